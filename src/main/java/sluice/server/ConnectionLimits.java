package sluice.server;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps on open connections: all listeners together, and per client IP (trusted clients exempt). IPv6 clients
 * count per network ({@code [limits] ipv6_prefix}). The per-IP map holds only addresses with connections open:
 * an entry goes when its last connection closes, so its size is bounded by {@code max_connections}.
 */
final class ConnectionLimits {
    private volatile int maxTotal; // both replaced on reload; the counts stay
    private volatile int maxPerIp;
    private final java.util.function.UnaryOperator<InetAddress> keyOf;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perIp = new ConcurrentHashMap<>();

    ConnectionLimits(sluice.config.LimitsConfig limits) {
        this.maxTotal = limits.maxConnections();
        this.maxPerIp = limits.maxConnectionsPerIp();
        this.keyOf = limits::clientKey;
    }

    /** New caps from a reload: the connections open stay open, and count towards them. */
    void update(sluice.config.LimitsConfig limits) {
        this.maxTotal = limits.maxConnections();
        this.maxPerIp = limits.maxConnectionsPerIp();
    }

    /** Whether a connection got a slot, or which cap turned it away. */
    enum Admission {
        ADMITTED(null), MAX_CONNECTIONS("max_connections"), MAX_CONNECTIONS_PER_IP("max_connections_per_ip");

        private final String reason;

        Admission(String reason) {
            this.reason = reason;
        }

        /** The refusal reason in metrics; null when admitted. */
        String reason() {
            return reason;
        }
    }

    /** Takes a slot, or says which cap is reached (and takes nothing). */
    Admission acquire(InetAddress ip, boolean exempt) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return Admission.MAX_CONNECTIONS;
        }
        if (exempt) return Admission.ADMITTED;
        // Counted inside compute, so a release emptying the entry can never remove it under a new connection.
        AtomicInteger n = perIp.compute(keyOf.apply(ip), (k, v) -> {
            AtomicInteger c = v == null ? new AtomicInteger() : v;
            c.incrementAndGet();
            return c;
        });
        if (n.get() > maxPerIp) {
            release(ip, false);
            return Admission.MAX_CONNECTIONS_PER_IP;
        }
        return Admission.ADMITTED;
    }

    void release(InetAddress ip, boolean exempt) {
        total.decrementAndGet();
        if (exempt) return;
        perIp.computeIfPresent(keyOf.apply(ip), (k, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    /** Client networks with connections open now (for tests). */
    int trackedClients() {
        return perIp.size();
    }

    int open() {
        return total.get();
    }
}
