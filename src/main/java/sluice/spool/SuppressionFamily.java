package sluice.spool;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.rocksdb.RocksIterator;

/** The spool's "suppression" family: the suppression list's entries (policy/SuppressionList owns their format). */
public final class SuppressionFamily {
    private final Spool spool;

    SuppressionFamily(Spool spool) {
        this.spool = spool;
    }

    /**
     * Writes entries in one atomic, synced batch through the group committer: a null value deletes the key. The
     * caller is the suppression list's one writer thread (a platform thread).
     */
    public void write(List<Map.Entry<byte[], byte[]>> changes) throws SpoolException {
        if (changes.isEmpty()) return;
        GroupCommitter writer = spool.writer();
        long size = 0;
        for (Map.Entry<byte[], byte[]> c : changes) size += c.getKey().length + (c.getValue() == null ? 0 : c.getValue().length);
        writer.commit(GroupCommitter.Change.of(size, b -> {
            for (Map.Entry<byte[], byte[]> c : changes) {
                if (c.getValue() == null) b.delete(spool.families().suppression(), c.getKey());
                else b.put(spool.families().suppression(), c.getKey(), c.getValue());
            }
        }));
    }

    /** One entry's value, or null. */
    public byte[] read(byte[] key) throws SpoolException {
        return spool.read((db, families) -> families.suppression() == null ? null : db.get(families.suppression(), key));
    }

    /**
     * Visits up to {@code limit} entries in key order after {@code after} (null: from the first); returns whether
     * more follow.
     */
    public boolean scan(byte[] after, int limit, BiConsumer<byte[], byte[]> visitor) throws SpoolException {
        return spool.read((db, families) -> {
            if (families.suppression() == null) return false;
            try (RocksIterator it = db.newIterator(families.suppression())) {
                if (after == null) {
                    it.seekToFirst();
                } else {
                    it.seek(after);
                    if (it.isValid() && Arrays.equals(it.key(), after)) it.next();
                }
                for (int n = 0; it.isValid(); it.next(), n++) {
                    if (n == limit) return true;
                    visitor.accept(it.key(), it.value());
                }
                it.status();
                return false;
            }
        });
    }
}
