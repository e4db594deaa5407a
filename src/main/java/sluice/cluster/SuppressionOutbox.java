package sluice.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.policy.SuppressionChange;
import sluice.policy.SuppressionList;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * This node's suppression changes not yet published to Redis, oldest first. Adding never waits (a hard bounce adds
 * on a delivery thread): the replica's thread stores what is waiting in the spool's state in one batch when it
 * cannot publish, so changes made while Redis is down survive a restart and go out when Redis returns. Bounded:
 * beyond {@code capacity} a change stays local only (counted and logged), and the node pushes its whole list once
 * Redis answers again.
 */
final class SuppressionOutbox {
    private static final Logger log = LoggerFactory.getLogger(SuppressionOutbox.class);
    static final String PREFIX = "suppression-outbox/";

    /** One change; {@code stored} once it is in the spool's state. */
    static final class Item {
        final long seq;
        final SuppressionChange change;
        boolean stored;

        Item(long seq, SuppressionChange change, boolean stored) {
            this.seq = seq;
            this.change = change;
            this.stored = stored;
        }

        String stateKey() {
            return PREFIX + String.format("%020d", seq);
        }
    }

    private final Spool spool;
    private final int capacity;
    private final ArrayDeque<Item> items = new ArrayDeque<>(); // guarded by this
    private final Map<String, Integer> keys = new HashMap<>(); // guarded by this: field -> changes waiting
    private final AtomicLong overflowed = new AtomicLong();
    private long nextSeq; // guarded by this
    private boolean closed; // guarded by this
    private volatile long lastOverflowLog = System.nanoTime() - 60_000_000_000L;

    private SuppressionOutbox(Spool spool, int capacity) {
        this.spool = spool;
        this.capacity = capacity;
    }

    /** The outbox with what a previous run left in the spool's state. */
    static SuppressionOutbox load(Spool spool, int capacity) throws SpoolException {
        SuppressionOutbox o = new SuppressionOutbox(spool, capacity);
        for (Map.Entry<String, byte[]> e : spool.state().read(PREFIX).entrySet()) {
            long seq = Long.parseLong(e.getKey().substring(PREFIX.length()));
            SuppressionChange c = decode(new String(e.getValue(), StandardCharsets.UTF_8));
            if (c == null) continue;
            o.items.add(new Item(seq, c, true));
            o.keys.merge(SuppressionReplica.field(c.domain(), c.address()), 1, Integer::sum);
            o.nextSeq = seq + 1;
        }
        return o;
    }

    /** Queues a change; false (counted) when the outbox is full. After {@link #close} it is stored at once. */
    boolean add(SuppressionChange c) {
        Item item;
        synchronized (this) {
            if (items.size() >= capacity) {
                overflowed.incrementAndGet();
                long now = System.nanoTime();
                if (now - lastOverflowLog > 10_000_000_000L) {
                    lastOverflowLog = now;
                    log.warn("suppression replica: {} changes wait for Redis (the outbox is full): later changes stay on "
                            + "this node until Redis returns, when the node pushes its whole list ({} so far)",
                            capacity, overflowed.get());
                }
                return false;
            }
            item = new Item(nextSeq++, c, false);
            items.add(item);
            keys.merge(SuppressionReplica.field(c.domain(), c.address()), 1, Integer::sum);
            if (!closed) return true;
        }
        try {
            store(List.of(item)); // shutting down: no thread will store it later
        } catch (SpoolException e) {
            log.error("suppression replica: a change made during shutdown was not kept for Redis: {}", e.getMessage());
        }
        return true;
    }

    /** Up to {@code max} changes, oldest first. */
    synchronized List<Item> peek(int max) {
        List<Item> out = new ArrayList<>(Math.min(max, items.size()));
        for (Item i : items) {
            if (out.size() == max) break;
            out.add(i);
        }
        return out;
    }

    /** Stores the changes not yet in the spool's state, in one synced batch. */
    void storeWaiting() throws SpoolException {
        List<Item> waiting = new ArrayList<>();
        synchronized (this) {
            for (Item i : items) if (!i.stored) waiting.add(i);
        }
        store(waiting);
    }

    private void store(List<Item> waiting) throws SpoolException {
        if (waiting.isEmpty()) return;
        Map<String, byte[]> state = new LinkedHashMap<>();
        for (Item i : waiting) state.put(i.stateKey(), encode(i.change).getBytes(StandardCharsets.UTF_8));
        spool.state().putAll(state);
        synchronized (this) {
            for (Item i : waiting) i.stored = true;
        }
    }

    /** {@code done} (the oldest items) reached Redis: they leave the outbox and the spool's state. */
    void published(List<Item> done) throws SpoolException {
        List<String> stored = new ArrayList<>();
        synchronized (this) {
            for (Item i : done) {
                if (items.peekFirst() != i) throw new IllegalStateException("outbox items published out of order");
                items.pollFirst();
                keys.computeIfPresent(SuppressionReplica.field(i.change.domain(), i.change.address()),
                        (k, n) -> n == 1 ? null : n - 1);
                if (i.stored) stored.add(i.stateKey());
            }
        }
        spool.state().removeAll(stored);
    }

    /** Whether a change of this entry waits to be published (a change from elsewhere must not undo it meanwhile). */
    synchronized boolean waiting(String field) {
        return keys.containsKey(field);
    }

    synchronized int size() {
        return items.size();
    }

    synchronized boolean hasUnstored() {
        for (Item i : items) if (!i.stored) return true;
        return false;
    }

    /** Changes kept local only because the outbox was full, since start. */
    long overflowed() {
        return overflowed.get();
    }

    /** Later changes are stored as they come (the replica's thread has stopped). */
    void close() throws SpoolException {
        synchronized (this) {
            closed = true;
        }
        storeWaiting();
    }

    /** "put\tDOMAIN\tADDRESS\tMILLIS\tREASON" or "del\tDOMAIN\tADDRESS" (neither holds a tab). */
    static String encode(SuppressionChange c) {
        return switch (c) {
            case SuppressionChange.Put p -> "put\t" + p.domain() + "\t" + p.address() + "\t"
                    + p.entry().added().toEpochMilli() + "\t" + p.entry().reason();
            case SuppressionChange.Removal r -> "del\t" + r.domain() + "\t" + r.address();
        };
    }

    static SuppressionChange decode(String s) {
        String[] f = s.split("\t", 5);
        try {
            if (f[0].equals("put") && f.length == 5) {
                return new SuppressionChange.Put(new SuppressionList.Entry(f[1], f[2], f[4],
                        Instant.ofEpochMilli(Long.parseLong(f[3]))));
            }
            if (f[0].equals("del") && f.length == 3) return new SuppressionChange.Removal(f[1], f[2]);
        } catch (NumberFormatException e) {
            // fall through
        }
        log.warn("suppression replica: an unreadable outbox record is skipped: {}", s);
        return null;
    }
}
