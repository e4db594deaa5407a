package sluice.spool;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * The spool's column families, as open handles: envelopes and queue state in the default family, message data in
 * "data" (large values in blob files), small durable state of other rooms in "state", webhook events waiting to be
 * sent in "outbox", the suppression list in "suppression". A handle is null only in a read-only view of a spool made
 * by an older Sluice, before that family existed. Replaced as a whole when the database is reopened.
 */
record Families(ColumnFamilyHandle envelopes, ColumnFamilyHandle data, ColumnFamilyHandle state,
                ColumnFamilyHandle outbox, ColumnFamilyHandle suppression) {
    private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] STATE = "state".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OUTBOX = "outbox".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUPPRESSION = "suppression".getBytes(StandardCharsets.US_ASCII);

    /** The handles RocksDB opened for {@code descriptors}, in the same order. */
    static Families of(List<ColumnFamilyDescriptor> descriptors, List<ColumnFamilyHandle> handles) {
        return new Families(handles.get(0), handles.get(1), named(descriptors, handles, STATE),
                named(descriptors, handles, OUTBOX), named(descriptors, handles, SUPPRESSION));
    }

    /**
     * Every family, for the writer (create_missing_column_families adds any that a spool made by an older Sluice
     * lacks). The options made are added to {@code opts}, for the caller to close.
     */
    static List<ColumnFamilyDescriptor> forWriter(List<ColumnFamilyOptions> opts) {
        List<ColumnFamilyDescriptor> out = core(opts);
        out.add(state(opts));
        out.add(outbox(opts));
        out.add(suppression(opts));
        return List.copyOf(out);
    }

    /** The families a spool in {@code dir} has (a secondary instance cannot create one). */
    static List<ColumnFamilyDescriptor> forView(Path dir, List<ColumnFamilyOptions> opts) throws RocksDBException {
        List<byte[]> present;
        try (Options o = new Options()) {
            present = RocksDB.listColumnFamilies(o, dir.toString());
        }
        List<ColumnFamilyDescriptor> out = core(opts);
        boolean hasState = contains(present, STATE);
        if (hasState) out.add(state(opts));
        if (hasState && contains(present, OUTBOX)) out.add(outbox(opts));
        if (contains(present, SUPPRESSION)) out.add(suppression(opts));
        return List.copyOf(out);
    }

    private static List<ColumnFamilyDescriptor> core(List<ColumnFamilyOptions> opts) {
        ColumnFamilyOptions envelopes = new ColumnFamilyOptions();
        ColumnFamilyOptions data = new ColumnFamilyOptions()
                .setEnableBlobFiles(true)
                .setMinBlobSize(16 * 1024)
                .setEnableBlobGarbageCollection(true);
        opts.add(envelopes);
        opts.add(data);
        return new ArrayList<>(List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, envelopes),
                new ColumnFamilyDescriptor(DATA, data)));
    }

    private static ColumnFamilyDescriptor state(List<ColumnFamilyOptions> opts) {
        return plain(STATE, opts);
    }

    private static ColumnFamilyDescriptor outbox(List<ColumnFamilyOptions> opts) {
        return plain(OUTBOX, opts);
    }

    /** Keys {@code domain \0 address}, point reads for confirmations: a bloom filter, so an absent key rarely touches a file. */
    private static ColumnFamilyDescriptor suppression(List<ColumnFamilyOptions> opts) {
        ColumnFamilyOptions o = new ColumnFamilyOptions().setTableFormatConfig(
                new BlockBasedTableConfig().setFilterPolicy(new BloomFilter(10)));
        opts.add(o);
        return new ColumnFamilyDescriptor(SUPPRESSION, o);
    }

    private static ColumnFamilyDescriptor plain(byte[] name, List<ColumnFamilyOptions> opts) {
        ColumnFamilyOptions o = new ColumnFamilyOptions();
        opts.add(o);
        return new ColumnFamilyDescriptor(name, o);
    }

    private static boolean contains(List<byte[]> names, byte[] name) {
        for (byte[] n : names) {
            if (Arrays.equals(n, name)) return true;
        }
        return false;
    }

    private static ColumnFamilyHandle named(List<ColumnFamilyDescriptor> descriptors, List<ColumnFamilyHandle> handles,
                                            byte[] name) {
        for (int i = 0; i < descriptors.size(); i++) {
            if (Arrays.equals(descriptors.get(i).getName(), name)) return handles.get(i);
        }
        return null;
    }
}
