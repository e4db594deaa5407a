package sluice.spool;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.RocksIterator;

/**
 * The spool's "state" family: small state of other rooms that must survive a restart (warm-up counters,
 * idempotency keys, TLS report counts), keyed by the owning room's prefix, e.g. "warmup/". Every write goes through
 * the group committer, so a caller never runs RocksDB itself.
 */
public final class StateFamily {
    private final Spool spool;

    StateFamily(Spool spool) {
        this.spool = spool;
    }

    /** Stores one entry (see {@link #putAll}). */
    public void put(String key, byte[] value) throws SpoolException {
        putAll(Map.of(key, value));
    }

    /** Stores entries in one atomic, synced batch. */
    public void putAll(Map<String, byte[]> entries) throws SpoolException {
        if (entries.isEmpty()) return;
        GroupCommitter writer = spool.writer();
        Map<byte[], byte[]> encoded = new LinkedHashMap<>();
        long size = 0;
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
            encoded.put(k, e.getValue());
            size += k.length + e.getValue().length;
        }
        writer.commit(GroupCommitter.Change.of(size, b -> {
            for (Map.Entry<byte[], byte[]> e : encoded.entrySet()) b.put(spool.families().state(), e.getKey(), e.getValue());
        }));
    }

    /** Removes entries (absent ones are no error) in one atomic, synced batch. */
    public void removeAll(Collection<String> keys) throws SpoolException {
        if (keys.isEmpty()) return;
        List<byte[]> encoded = keys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        long bytes = encoded.stream().mapToLong(k -> k.length).sum();
        spool.writer().commit(GroupCommitter.Change.of(bytes, b -> {
            for (byte[] k : encoded) b.delete(spool.families().state(), k);
        }));
    }

    /** Every entry whose key starts with {@code prefix}, in key order (empty when there is none). */
    public Map<String, byte[]> read(String prefix) throws SpoolException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
        return spool.read((db, families) -> {
            if (families.state() == null) return out; // a view of a spool that never stored any
            try (RocksIterator it = db.newIterator(families.state())) {
                for (it.seek(p); it.isValid() && startsWith(it.key(), p); it.next()) {
                    out.put(new String(it.key(), StandardCharsets.UTF_8), it.value());
                }
                it.status();
            }
            return out;
        });
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
