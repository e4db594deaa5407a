package sluice.policy;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import sluice.policy.SuppressionList.Entry;
import sluice.policy.SuppressionList.Replica;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * What the list holds as lookups see it: the fingerprint index of every entry and the changes queued for the
 * {@link SuppressionWriter} but not yet stored. A change is visible here as soon as it is queued; the writer's
 * batches are taken back out under the same lock, so the newest change of a key always wins. Thread-safe.
 */
final class SuppressionState implements AutoCloseable {
    // SuppressionList's logger: the log line names it, as before this part moved out of the list
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SuppressionList.class);

    private final SuppressionStore store;
    private final SuppressionIndex index = new SuppressionIndex();
    // Changes queued but not yet stored, latest per key: what lookups see before RocksDB has it. Bounded by the
    // writer's buffer (an entry leaves when its batch is stored).
    private final Map<SuppressionKey, SuppressionWriter.Change> unwritten = new ConcurrentHashMap<>();
    // Orders "queue a change" against "a batch was stored" so the newest change of a key is never forgotten.
    private final ReentrantLock order = new ReentrantLock();
    private final SuppressionWriter writer;
    private volatile Replica replica = Replica.NONE;

    SuppressionState(Spool spool, SuppressionStore store, int buffer) {
        this.store = store;
        this.writer = new SuppressionWriter(spool, buffer, this::stored);
    }

    /** Fills the index from what the store holds (at open). */
    void load() throws IOException {
        store.fingerprints(index::add);
    }

    /** Where later local changes go besides the writer, in the order they are queued. */
    void replicateTo(Replica replica) {
        this.replica = replica;
    }

    boolean present(SuppressionKey key) {
        SuppressionWriter.Change c = unwritten.get(key);
        if (c != null) return c.entry() != null;
        return index.contains(key.fingerprint());
    }

    Entry entry(SuppressionKey key) {
        SuppressionWriter.Change c = unwritten.get(key);
        if (c != null) return c.entry();
        if (!index.contains(key.fingerprint())) return null;
        try {
            Entry stored = store.read(key);
            if (stored != null) return stored;
            // stored meanwhile by a change that was unwritten a moment ago
            c = unwritten.get(key);
            return c == null ? null : c.entry();
        } catch (SpoolException e) {
            // The index says it is listed: refuse rather than send to a suppressed address.
            log.error("suppression list: cannot read the entry of {}: {}", key.address(), e.getMessage());
            return new Entry(key.domain(), key.address(), "suppressed", Instant.EPOCH);
        }
    }

    /** Queues a change without waiting; false when the writer's buffer is full. */
    boolean enqueue(SuppressionWriter.Change c, boolean local) {
        order.lock();
        try {
            if (!writer.offer(c)) return false;
            unwritten.put(c.key(), c);
            if (c.entry() != null) index.add(c.key().fingerprint());
            else index.remove(c.key().fingerprint());
            // under the lock: the replica sees one key's changes in the order the list took them
            if (local) replica.changed(c.entry() != null ? new SuppressionChange.Put(c.entry())
                    : new SuppressionChange.Removal(c.key().domain(), c.key().address()));
            return true;
        } finally {
            order.unlock();
        }
    }

    /**
     * A batch is stored: its changes leave the unwritten map unless a newer change of the key came. A batch that
     * failed (logged by the writer) is also taken back from the index, so lookups answer what RocksDB holds.
     */
    private void stored(List<SuppressionWriter.Change> batch, boolean ok) {
        order.lock();
        try {
            for (SuppressionWriter.Change c : batch) {
                if (!unwritten.remove(c.key(), c) || ok) continue;
                if (c.entry() != null) index.remove(c.key().fingerprint());
                else index.add(c.key().fingerprint());
            }
        } finally {
            order.unlock();
        }
    }

    /** Entries on the list (stored or queued). */
    long size() {
        return index.size();
    }

    /** Changes queued for the writer and not yet stored. */
    int pending() {
        return writer.pending();
    }

    /** Bytes held by the in-memory index. */
    long indexBytes() {
        return index.bytesAllocated();
    }

    /** Closes the replica, then stores what is queued and stops the writer. */
    @Override
    public void close() {
        replica.close(); // it may still be applying other nodes' changes through the writer
        writer.close();
    }
}
