package sluice.delivery;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Time limits on every outbound connection's reads, writes and TLS handshakes, enforced by one watchdog
 * thread that closes the TCP socket of a step that is overdue. Neither socket timeouts nor a timer per
 * write: on virtual threads a timed read arms and cancels a scheduler timer on every reply (two wake-ups
 * of the timer thread each), and cancelled timer tasks of a scheduled executor linger until their time.
 * Here a step costs two field writes; limits are kept to within {@link #TICK_MILLIS}.
 */
final class ClientDeadlines {
    static final long TICK_MILLIS = 50;
    private static final ClientDeadlines SHARED = new ClientDeadlines();

    private final Set<Guard> active = ConcurrentHashMap.newKeySet();
    private volatile Thread watchdog;

    private ClientDeadlines() {}

    /** A guard for one connection's TCP socket; close it with the connection. */
    static Guard guard(Socket tcp) {
        return SHARED.register(tcp);
    }

    private Guard register(Socket tcp) {
        Guard g = new Guard(tcp);
        active.add(g);
        Thread t = watchdog;
        if (t == null) {
            synchronized (this) {
                if (watchdog == null) watchdog = Thread.ofPlatform().daemon().name("smtp-client-deadlines").start(this::run);
            }
        } else {
            LockSupport.unpark(t); // it may be resting while there was nothing to watch
        }
        return g;
    }

    private void run() {
        while (true) {
            if (active.isEmpty()) LockSupport.parkNanos(1_000_000_000L); // nothing to watch: rest (unparked by register)
            else LockSupport.parkNanos(TICK_MILLIS * 1_000_000L);
            long now = System.nanoTime();
            for (Guard g : active) g.check(now);
        }
    }

    /** One connection's current step: started before a read, write or handshake and cleared after it. */
    final class Guard implements AutoCloseable {
        private final Socket tcp;
        private volatile long expiresAt; // System.nanoTime(); 0 while no step is pending
        private volatile boolean expired;

        private Guard(Socket tcp) {
            this.tcp = tcp;
        }

        void start(Duration limit) {
            long at = System.nanoTime() + limit.toNanos();
            expiresAt = at == 0 ? 1 : at;
        }

        void clear() {
            expiresAt = 0;
        }

        /** True once a step ran out of time (and the socket was closed for it). */
        boolean expired() {
            return expired;
        }

        private void check(long now) {
            long at = expiresAt;
            if (at == 0 || now - at <= 0 || expired) return;
            expired = true;
            try {
                tcp.close(); // unblocks the read, write or handshake with an exception
            } catch (IOException ignored) {
                // closing is all we can do
            }
        }

        @Override
        public void close() {
            active.remove(this);
        }
    }
}
