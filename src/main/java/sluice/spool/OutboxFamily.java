package sluice.spool;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The spool's "outbox" family: webhook events waiting to be sent, keyed so that each endpoint's events sort in order
 * ({@link OutboxRecords}). Events that report a change of a message are written in the same batch as the change
 * ({@link Spool#commit}, {@link Spool#update}, {@link Spool#remove}); the rest go through {@link #put}.
 */
public final class OutboxFamily {
    /** One outbox entry. */
    public record Entry(byte[] key, byte[] value) {}

    private final Spool spool;

    OutboxFamily(Spool spool) {
        this.spool = spool;
    }

    /** Stores outbox entries of their own (events that report no change of a message), synced, group-committed. */
    public void put(OutboxRecords records) throws SpoolException {
        spool.writer().commit(GroupCommitter.Change.of(256, b -> addTo(b, records)));
    }

    /** Adds {@code records} to a batch being written. */
    void addTo(WriteBatch batch, OutboxRecords records) throws RocksDBException {
        if (records == OutboxRecords.NONE) return;
        List<byte[][]> entries = new ArrayList<>();
        records.writeTo((k, v) -> entries.add(new byte[][] {k, v}));
        for (byte[][] e : entries) batch.put(spool.families().outbox(), e[0], e[1]);
    }

    /** Deletes outbox entries (sent, or given up), in one synced batch. */
    public void delete(List<byte[]> keys) throws SpoolException {
        if (keys.isEmpty()) return;
        List<byte[]> copy = List.copyOf(keys);
        spool.writer().commit(GroupCommitter.Change.of(copy.size() * 32L, b -> {
            for (byte[] k : copy) b.delete(spool.families().outbox(), k);
        }));
    }

    /** Deletes every outbox entry whose key is in [{@code from}, {@code to}) (an endpoint no longer configured). */
    public void deleteRange(byte[] from, byte[] to) throws SpoolException {
        spool.writer().commit(GroupCommitter.Change.of(from.length + to.length,
                b -> b.deleteRange(spool.families().outbox(), from, to)));
    }

    /**
     * Up to {@code limit} outbox entries with keys in [{@code from}, {@code to}) in key order: one page, however
     * many wait. {@code to} null: to the end.
     */
    public List<Entry> page(byte[] from, byte[] to, int limit) throws SpoolException {
        List<Entry> out = new ArrayList<>();
        return spool.read((db, families) -> {
            if (families.outbox() == null) return out;
            try (RocksIterator it = db.newIterator(families.outbox())) {
                for (it.seek(from); it.isValid() && out.size() < limit; it.next()) {
                    byte[] k = it.key();
                    if (to != null && Arrays.compareUnsigned(k, to) >= 0) break;
                    out.add(new Entry(k, it.value()));
                }
                it.status();
            }
            return out;
        });
    }

    /** The greatest outbox key below {@code before}, or null. */
    public byte[] lastKeyBefore(byte[] before) throws SpoolException {
        return spool.read((db, families) -> {
            if (families.outbox() == null) return null;
            try (RocksIterator it = db.newIterator(families.outbox())) {
                it.seekForPrev(before);
                if (it.isValid() && Arrays.equals(it.key(), before)) it.prev();
                byte[] k = it.isValid() ? it.key() : null;
                it.status();
                return k;
            }
        });
    }
}
