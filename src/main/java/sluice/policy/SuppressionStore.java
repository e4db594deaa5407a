package sluice.policy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import sluice.policy.SuppressionList.Entry;
import sluice.policy.SuppressionList.Page;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * The list's entries as the spool's RocksDB holds them (column family "suppression"): the stored value's format, the
 * one-time migration of an older Sluice's suppression.json, and the reads (one entry, a page, every key for the
 * index). Changes are written by {@link SuppressionWriter}.
 */
final class SuppressionStore {
    // SuppressionList's logger: the log line names it, as before this part moved out of the list
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SuppressionList.class);

    private final Spool spool;

    SuppressionStore(Spool spool) {
        this.spool = spool;
    }

    /**
     * Migrates {@code <dataDir>/suppression.json} of an older Sluice once (its entries stored, the file renamed to
     * suppression.json.migrated); nothing when there is no such file.
     *
     * @throws IOException if suppression.json is damaged (the message names the file) or the spool fails
     */
    void migrate(Path dataDir) throws IOException {
        List<Entry> legacy = LegacySuppressionFile.read(dataDir);
        if (legacy == null) return;
        try {
            for (int i = 0; i < legacy.size(); i += SuppressionWriter.MAX_BATCH) {
                List<Map.Entry<byte[], byte[]>> batch = new ArrayList<>();
                for (Entry e : legacy.subList(i, Math.min(legacy.size(), i + SuppressionWriter.MAX_BATCH))) {
                    batch.add(new AbstractMap.SimpleImmutableEntry<>(
                            new SuppressionKey(e.domain(), e.address()).bytes(), encode(e)));
                }
                spool.suppressions().write(batch);
            }
        } catch (SpoolException e) {
            throw new IOException("suppression list: " + e.getMessage(), e);
        }
        Path renamed = LegacySuppressionFile.retire(dataDir);
        log.info("suppression list: migrated {} entries from {} into the spool's database; the file is now {}",
                legacy.size(), dataDir.resolve(LegacySuppressionFile.FILE), renamed);
    }

    /** Gives the fingerprint of every stored key to {@code index}. */
    void fingerprints(LongConsumer index) throws IOException {
        byte[][] after = {null};
        boolean more;
        try {
            do {
                more = spool.suppressions().scan(after[0], 100_000, (k, v) -> {
                    index.accept(SuppressionKey.fingerprint(k));
                    after[0] = k;
                });
            } while (more);
        } catch (SpoolException e) {
            throw new IOException("suppression list: " + e.getMessage(), e);
        }
    }

    /**
     * Up to {@code limit} stored entries in key order after the cursor {@code after} (null: from the start).
     *
     * @throws IllegalArgumentException for a cursor that is not one a page gave
     */
    Page page(String after, int limit) throws IOException {
        List<Entry> out = new ArrayList<>(Math.min(limit, 10_000));
        SuppressionKey[] last = {null};
        try {
            boolean more = spool.suppressions().scan(after == null ? null : SuppressionKey.fromCursor(after).bytes(), limit,
                    (k, v) -> {
                        SuppressionKey key = SuppressionKey.fromBytes(k);
                        out.add(decode(key, v));
                        last[0] = key;
                    });
            return new Page(out, more && last[0] != null ? last[0].cursor() : null);
        } catch (SpoolException e) {
            throw new IOException("suppression list: " + e.getMessage(), e);
        }
    }

    /** The stored entry of {@code key}, or null when RocksDB has none. */
    Entry read(SuppressionKey key) throws SpoolException {
        byte[] v = spool.suppressions().read(key.bytes());
        return v == null ? null : decode(key, v);
    }

    /** The stored value: added (seconds, nanos) then the reason in UTF-8. */
    static byte[] encode(Entry e) {
        byte[] reason = e.reason().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(12 + reason.length).putLong(e.added().getEpochSecond()).putInt(e.added().getNano())
                .put(reason).array();
    }

    static Entry decode(SuppressionKey key, byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value);
        Instant added = Instant.ofEpochSecond(b.getLong(), b.getInt());
        return new Entry(key.domain(), key.address(), new String(value, 12, value.length - 12, StandardCharsets.UTF_8), added);
    }
}
