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

    /** Takes a slot, or returns false (and takes nothing) when a cap is reached. */
    boolean acquire(InetAddress ip, boolean exempt) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return false;
        }
        if (exempt) return true;
        AtomicInteger n = perIp.computeIfAbsent(ip, k -> new AtomicInteger());
        if (n.incrementAndGet() > maxPerIp) {
            release(ip, false);
            return false;
        }
        return true;
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
