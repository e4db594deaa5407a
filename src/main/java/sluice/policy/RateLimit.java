package sluice.policy;

import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@code limit} events per key within any {@code window} (approximately: a sliding window made of the
 * current fixed window and the previous one, weighted by how much of it still overlaps, as Postfix's anvil and
 * most rate limiters do). A limit of 0 allows everything.
 *
 * <p>Keys come from outside (client networks, user names), so the table is bounded. Keys quiet for two windows
 * are forgotten (their count no longer matters). At {@code maxKeys} keys the tenth with the fewest recent events
 * is dropped: forgetting a counter gives its key back only what it had used, so the cheapest to forget are the
 * one-shot keys of a flood, and a client at its limit is forgotten last. An attacker cannot flush its own counter
 * by sending from many other addresses unless each of those is itself at the limit. (Caffeine's W-TinyLFU was
 * tried and rejected here: its frequency sketch ages, so a long enough flood of new keys does evict a hot one.)
 *
 * <p>In a cluster the table still holds this node's own events; the {@link SharedCounter} adds what the other
 * nodes counted (as of its last background sync, so the fleet may pass the limit by what it admits within one
 * sync period), and while it is degraded the node keeps to its share of the limit on its own counts.
 */
public final class RateLimit {
    static final int DEFAULT_MAX_KEYS = 100_000;
    private static final int SWEEP_EVERY = 4096;

    private volatile int limit; // replaced on reload; the counts stay
    private final long windowMillis;
    private final int maxKeys;
    private final Clock clock;
    private final SharedCounter shared;
    private final Map<Object, Counter> counters = new ConcurrentHashMap<>();
    private final AtomicInteger sinceSweep = new AtomicInteger();
    private final AtomicBoolean sweeping = new AtomicBoolean();

    public RateLimit(int limit, Duration window, Clock clock) {
        this(limit, window, clock, DEFAULT_MAX_KEYS);
    }

    /** A limit the other nodes of a cluster count towards too (through {@code shared}). */
    public RateLimit(int limit, Duration window, Clock clock, SharedCounter shared) {
        this(limit, window, clock, DEFAULT_MAX_KEYS, shared);
    }

    RateLimit(int limit, Duration window, Clock clock, int maxKeys) {
        this(limit, window, clock, maxKeys, SharedCounter.NONE);
    }

    RateLimit(int limit, Duration window, Clock clock, int maxKeys, SharedCounter shared) {
        this.shared = shared;
        this.limit = limit;
        this.windowMillis = window.toMillis();
        this.maxKeys = maxKeys;
        this.clock = clock;
    }

    /** A new limit from a reload: what was counted in the current window counts towards it. */
    void limit(int limit) {
        this.limit = limit;
    }

    private static final class Counter {
        long windowStart;
        int current;
        int previous;
    }

    /** Counts one event for {@code key}; false (and not counted) when it would exceed the limit. */
    public boolean tryAcquire(Object key) {
        if (limit <= 0) return true;
        long now = clock.millis();
        if (sinceSweep.incrementAndGet() >= SWEEP_EVERY) sweep(now, false);
        Counter c = counters.get(key);
        if (c == null) {
            if (counters.size() >= maxKeys) sweep(now, true);
            c = counters.computeIfAbsent(key, k -> new Counter());
        }
        long window;
        synchronized (c) { // plain memory only: never held across I/O
            roll(c, now);
            if (shared == SharedCounter.NONE) {
                if (weighted(c, now) + 1 > limit) return false;
                c.current++;
                return true;
            }
            if (!allowedInFleet(c, now, key)) return false;
            c.current++;
            window = c.windowStart;
        }
        shared.counted(name(key), window);
        return true;
    }

    /** Whether one more event keeps the fleet (or, degraded, this node's share of it) within the limit. */
    private boolean allowedInFleet(Counter c, long now, Object key) {
        if (shared.degraded()) return weighted(c, now) + 1 <= limit * shared.share() + 1e-9;
        String k = name(key);
        double overlap = 1.0 - (double) (now - c.windowStart) / windowMillis;
        double fleet = (c.previous + shared.others(k, c.windowStart - windowMillis)) * overlap
                + c.current + shared.others(k, c.windowStart);
        return fleet + 1 <= limit;
    }

    /** The key as the other nodes know it: an address in its literal form (never a name lookup), else its text. */
    private static String name(Object key) {
        return key instanceof java.net.InetAddress a ? a.getHostAddress() : key.toString();
    }

    private void roll(Counter c, long now) {
        long start = now - Math.floorMod(now, windowMillis);
        if (start != c.windowStart) {
            c.previous = start - c.windowStart == windowMillis ? c.current : 0;
            c.current = 0;
            c.windowStart = start;
        }
    }

    private double weighted(Counter c, long now) {
        double overlap = 1.0 - (double) (now - c.windowStart) / windowMillis;
        return c.previous * overlap + c.current;
    }

    /**
     * Forgets quiet keys and, when {@code full}, the tenth with the least recent use (see the class comment).
     * Concurrent callers skip it, so the table may exceed the cap by the threads inserting at that moment.
     */
    private void sweep(long now, boolean full) {
        if (!sweeping.compareAndSet(false, true)) return;
        try {
            sinceSweep.set(0);
            counters.entrySet().removeIf(e -> {
                synchronized (e.getValue()) {
                    return now - e.getValue().windowStart >= 2 * windowMillis;
                }
            });
            int excess = counters.size() - maxKeys + Math.max(1, maxKeys / 10);
            if (!full || excess <= 0) return;
            record Use(Map.Entry<Object, Counter> entry, double events) {}
            List<Use> least = counters.entrySet().stream()
                    .map(e -> {
                        synchronized (e.getValue()) {
                            roll(e.getValue(), now);
                            return new Use(e, weighted(e.getValue(), now));
                        }
                    })
                    .sorted(Comparator.comparingDouble(Use::events))
                    .limit(excess)
                    .toList();
            least.forEach(u -> counters.remove(u.entry().getKey(), u.entry().getValue()));
        } finally {
            sweeping.set(false);
        }
    }

    int keys() {
        return counters.size();
    }
}
