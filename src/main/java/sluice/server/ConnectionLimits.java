package sluice.server;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Caps on open connections: all listeners together, and per client IP (trusted clients exempt). */
final class ConnectionLimits {
    private final int maxTotal;
    private final int maxPerIp;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perIp = new ConcurrentHashMap<>();

    ConnectionLimits(int maxTotal, int maxPerIp) {
        this.maxTotal = maxTotal;
        this.maxPerIp = maxPerIp;
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
        AtomicInteger n = perIp.computeIfAbsent(ip, k -> new AtomicInteger());
        if (n.incrementAndGet() > maxPerIp) {
            release(ip, false);
            return Admission.MAX_CONNECTIONS_PER_IP;
        }
        return Admission.ADMITTED;
    }

    void release(InetAddress ip, boolean exempt) {
        total.decrementAndGet();
        if (exempt) return;
        perIp.computeIfPresent(ip, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    int open() {
        return total.get();
    }
}
