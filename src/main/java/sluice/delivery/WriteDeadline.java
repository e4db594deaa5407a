package sluice.delivery;

import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * Bounds each write in time. Socket writes have no timeout of their own: a remote that stops reading would
 * block the sender forever, so the connection's {@link ClientDeadlines.Guard} closes the TCP socket when one
 * write takes too long.
 */
final class WriteDeadline extends OutputStream {
    private final OutputStream out;
    private final ClientDeadlines.Guard guard;
    private volatile Duration limit;

    WriteDeadline(OutputStream out, ClientDeadlines.Guard guard, Duration limit) {
        this.out = out;
        this.guard = guard;
        this.limit = limit;
    }

    void limit(Duration d) {
        this.limit = d;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        guard.start(limit);
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            if (guard.expired()) throw new SocketTimeoutException("write timed out after " + limit.toMillis() + " ms");
            throw e;
        } finally {
            guard.clear();
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
}
