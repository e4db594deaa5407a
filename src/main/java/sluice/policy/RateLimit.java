package sluice.policy;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@code limit} events per key within any {@code window} (approximately: a sliding window made of the
 * current fixed window and the previous one, weighted by how much of it still overlaps, as Postfix's anvil and
 * most rate limiters do). Keys that have been quiet for two windows are forgotten. A limit of 0 allows everything.
 */
public final class RateLimit {
    private static final int SWEEP_EVERY = 4096;

    private final int limit;
    private final long windowMillis;
    private final Clock clock;
    private final Map<Object, Counter> counters = new ConcurrentHashMap<>();
    private final AtomicInteger sinceSweep = new AtomicInteger();

    public RateLimit(int limit, Duration window, Clock clock) {
        this.limit = limit;
        this.windowMillis = window.toMillis();
        this.clock = clock;
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
        if (sinceSweep.incrementAndGet() >= SWEEP_EVERY) sweep(now);
        Counter c = counters.computeIfAbsent(key, k -> new Counter());
        synchronized (c) {
            long start = now - Math.floorMod(now, windowMillis);
            if (start != c.windowStart) {
                c.previous = start - c.windowStart == windowMillis ? c.current : 0;
                c.current = 0;
                c.windowStart = start;
            }
            double overlap = 1.0 - (double) (now - start) / windowMillis;
            if (c.previous * overlap + c.current + 1 > limit) return false;
            c.current++;
            return true;
        }
    }

    private void sweep(long now) {
        sinceSweep.set(0);
        for (Iterator<Counter> it = counters.values().iterator(); it.hasNext(); ) {
            Counter c = it.next();
            synchronized (c) {
                if (now - c.windowStart >= 2 * windowMillis) it.remove();
            }
        }
    }

    int keys() {
        return counters.size();
    }
}
