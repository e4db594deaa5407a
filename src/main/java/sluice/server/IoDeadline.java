package sluice.server;

/**
 * When a connection's blocking read, write or TLS handshake must have finished, checked from outside by
 * {@link SessionTimeouts}. This replaces socket timeouts: a timed read parks its virtual thread with a
 * timer, and arming and cancelling that timer wakes the scheduler's timer thread on every read (measured:
 * four context switches per message under load). Setting a field costs nothing.
 */
final class IoDeadline {
    /** What the watchdog does when the deadline passes. */
    enum OnExpiry {
        /** Waiting for the client's next command or data: tell it 421 4.4.2, then close. */
        REPLY_AND_CLOSE,
        /** Writing to a client that does not read, or in a TLS handshake: nothing can be said; close. */
        CLOSE
    }

    private volatile long expiresAt; // System.nanoTime(); 0 while nothing is pending
    private volatile OnExpiry onExpiry = OnExpiry.CLOSE;

    void start(long timeoutNanos, OnExpiry action) {
        onExpiry = action;
        long at = System.nanoTime() + timeoutNanos;
        expiresAt = at == 0 ? 1 : at;
    }

    void clear() {
        expiresAt = 0;
    }

    boolean passed(long now) {
        long at = expiresAt;
        return at != 0 && now - at > 0;
    }

    OnExpiry onExpiry() {
        return onExpiry;
    }
}
