package sluice.server;

import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watchdog of every connection's {@link IoDeadline}: a few times per shortest timeout it looks at
 * each open connection and ends those whose read, write or handshake is overdue (RFC 5321 4.5.3.2).
 * The granularity is a tenth of the shortest timeout (between 20 ms and 1 s).
 */
final class SessionTimeouts implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SessionTimeouts.class);

    private final Set<Connection> connections;
    private final long tickMillis;
    private final Thread thread;
    private volatile boolean closed;

    SessionTimeouts(Set<Connection> connections, Duration shortest) {
        this.connections = connections;
        this.tickMillis = Math.clamp(shortest.toMillis() / 10, 20, 1000);
        this.thread = Thread.ofVirtual().name("session-timeouts").start(this::run);
    }

    long tickMillis() {
        return tickMillis;
    }

    private void run() {
        while (!closed) {
            try {
                Thread.sleep(tickMillis);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Connection c : connections) {
                try {
                    c.checkDeadline(now);
                } catch (RuntimeException e) {
                    log.error("session timeout check failed", e);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
