package sluice.delivery;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Idle outbound connections kept for a few seconds after a transaction, so that the next message to the same
 * host and port reuses the session (no new TCP, TLS and EHLO). Keyed by destination, address and port.
 */
final class ConnectionPool implements AutoCloseable {
    /** {@code group}: the shaping group+source it counts against (its idle connections across hosts), or null. */
    private record Idle(SmtpClient client, long since, int uses, String group) {}

    /**
     * The connection limit of a shaping group from one source: idle connections kept for it (across all its hosts
     * and addresses) plus those {@code inUse} stay within {@code max}.
     */
    record GroupLimit(String key, int max, java.util.function.IntSupplier inUse) {}

    /** A client taken from the pool, with the number of transactions it already carried. */
    record Taken(SmtpClient client, int uses) {}

    private final long idleNanos;
    private final int maxUses;
    private final Map<String, ConcurrentLinkedDeque<Idle>> idle = new ConcurrentHashMap<>();
    // idle connections per group+source key (config-bounded: named groups times sources)
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> idleByGroup = new ConcurrentHashMap<>();
    private final Thread reaper;
    private volatile boolean closed;

    ConnectionPool(java.time.Duration idleTime, int maxUses) {
        this.idleNanos = idleTime.toNanos();
        this.maxUses = maxUses;
        this.reaper = Thread.ofVirtual().name("connection-reaper").start(this::reap);
    }

    Taken take(String key) {
        ConcurrentLinkedDeque<Idle> q = idle.get(key);
        if (q == null) return null;
        Idle i;
        while ((i = q.pollFirst()) != null) {
            uncount(i);
            if (System.nanoTime() - i.since() < idleNanos && i.client().reusable()) return new Taken(i.client(), i.uses());
            i.client().close();
        }
        return null;
    }

    private void uncount(Idle i) {
        if (i.group() != null) idleByGroup.get(i.group()).decrementAndGet();
    }

    /** Keeps a client for reuse, or closes it when it cannot carry more. */
    void put(String key, SmtpClient client, int uses) {
        put(key, client, uses, 0, null);
    }

    /**
     * Keeps a client for reuse, or closes it when it cannot carry more: {@code limitUses} transactions (a group's
     * messages per connection; 0: the pool's own limit), or when the group's connections (in use by others plus
     * idle, across all its hosts) would exceed its limit ({@code group} null: no limit of its own).
     */
    void put(String key, SmtpClient client, int uses, int limitUses, GroupLimit group) {
        int max = limitUses > 0 ? Math.min(limitUses, maxUses) : maxUses;
        if (closed || !client.reusable() || uses >= max) {
            client.close();
            return;
        }
        String groupKey = null;
        if (group != null && group.max() > 0) {
            var count = idleByGroup.computeIfAbsent(group.key(), k -> new java.util.concurrent.atomic.AtomicInteger());
            // the caller's own attempt is still counted in use: it is this connection
            int others = Math.max(0, group.inUse().getAsInt() - 1);
            if (count.incrementAndGet() + others > group.max()) {
                count.decrementAndGet();
                client.close();
                return;
            }
            groupKey = group.key();
        }
        Idle entry = new Idle(client, System.nanoTime(), uses, groupKey);
        // Added inside compute, so the reaper cannot drop the deque between finding it and adding to it.
        idle.compute(key, (k, q) -> {
            ConcurrentLinkedDeque<Idle> d = q == null ? new ConcurrentLinkedDeque<>() : q;
            d.addFirst(entry);
            return d;
        });
    }

    private void reap() {
        while (!closed) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            reapOnce(System.nanoTime());
        }
    }

    /** Closes connections idle too long and drops destinations with none left (keys are remote hosts: unbounded). */
    void reapOnce(long now) {
        for (Map.Entry<String, ConcurrentLinkedDeque<Idle>> e : idle.entrySet()) {
            ConcurrentLinkedDeque<Idle> q = e.getValue();
            for (Iterator<Idle> it = q.iterator(); it.hasNext(); ) {
                Idle i = it.next();
                if (now - i.since() >= idleNanos && q.removeFirstOccurrence(i)) {
                    uncount(i);
                    i.client().close();
                }
            }
            idle.computeIfPresent(e.getKey(), (k, d) -> d.isEmpty() ? null : d);
        }
    }

    /** Destinations with a deque in the pool (for tests). */
    int keys() {
        return idle.size();
    }

    @Override
    public void close() {
        closed = true;
        reaper.interrupt();
        for (ConcurrentLinkedDeque<Idle> q : idle.values()) {
            Idle i;
            while ((i = q.pollFirst()) != null) {
                uncount(i);
                i.client().close();
            }
        }
    }
}
