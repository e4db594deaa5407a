package sluice.delivery;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bounds each write in time. Socket writes have no timeout of their own: a remote that stops reading would
 * block the sender forever, so a timer closes the TCP socket when one write takes too long.
 */
final class WriteDeadline extends OutputStream {
    // One timer thread for all clients; it only ever closes sockets.
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "smtp-client-write-deadline");
        t.setDaemon(true);
        return t;
    });

    private final OutputStream out;
    private final Socket tcp;
    private volatile Duration limit;
    private volatile boolean expired;

    WriteDeadline(OutputStream out, Socket tcp, Duration limit) {
        this.out = out;
        this.tcp = tcp;
        this.limit = limit;
    }

    void limit(Duration d) {
        this.limit = d;
    }

    /** True once a write ran out of time (and the socket was closed for it). */
    boolean expired() {
        return expired;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ScheduledFuture<?> timer = TIMER.schedule(this::expire, limit.toMillis(), TimeUnit.MILLISECONDS);
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            if (expired) throw new java.net.SocketTimeoutException("write timed out after " + limit.toMillis() + " ms");
            throw e;
        } finally {
            timer.cancel(false);
        }
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private void expire() {
        expired = true;
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing is all we can do
        }
    }
}
