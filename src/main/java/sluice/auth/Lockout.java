package sluice.auth;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ConcurrentHashMap;
import sluice.config.AuthConfig;

/**
 * Counts AUTH failures per client IP within a sliding window; after {@code maxFailures} the IP is locked out
 * for {@code lockout}. Memory stays bounded: entries expire and the table is capped.
 */
public final class Lockout {
    static final int MAX_TRACKED = 100_000;

    private static final class Record {
        final Deque<Instant> failures = new ArrayDeque<>();
        Instant lockedUntil;
    }

    private final AuthConfig config;
    private final Clock clock;
    private final ConcurrentHashMap<InetAddress, Record> records = new ConcurrentHashMap<>();

    public Lockout(AuthConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    public boolean isLockedOut(InetAddress client) {
        Record r = records.get(key(client));
        if (r == null) return false;
        synchronized (r) {
            return r.lockedUntil != null && clock.instant().isBefore(r.lockedUntil);
        }
    }

    public void recordFailure(InetAddress client) {
        if (records.size() >= MAX_TRACKED) prune();
        Instant now = clock.instant();
        Record r = records.computeIfAbsent(key(client), k -> new Record());
        synchronized (r) {
            Instant horizon = now.minus(config.window());
            while (!r.failures.isEmpty() && !r.failures.peekFirst().isAfter(horizon)) r.failures.removeFirst();
            r.failures.addLast(now);
            if (r.failures.size() >= config.maxFailures()) {
                r.lockedUntil = now.plus(config.lockout());
                r.failures.clear();
            }
        }
    }

    public void recordSuccess(InetAddress client) {
        Record r = records.get(key(client));
        if (r == null) return;
        synchronized (r) {
            if (r.lockedUntil == null || !clock.instant().isBefore(r.lockedUntil)) records.remove(key(client), r);
        }
    }

    /** Drops expired entries; if the table is still full (an attack from many IPs), starts over. */
    private void prune() {
        Instant now = clock.instant();
        Instant horizon = now.minus(config.window());
        records.entrySet().removeIf(e -> {
            Record r = e.getValue();
            synchronized (r) {
                boolean locked = r.lockedUntil != null && now.isBefore(r.lockedUntil);
                boolean recent = !r.failures.isEmpty() && r.failures.peekLast().isAfter(horizon);
                return !locked && !recent;
            }
        });
        if (records.size() >= MAX_TRACKED) records.clear();
    }

    /** IPv4-mapped IPv6 addresses count as their IPv4 address. */
    private static InetAddress key(InetAddress a) {
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) mapped = b[i] == 0;
            if (mapped) {
                try {
                    return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException e) {
                    return a;
                }
            }
        }
        return a;
    }
}
