package sluice.spool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Durable storage of messages in RocksDB: envelope and queue state in the default column family, data
 * in "data" (large values go to blob files). A message's two records are written in one atomic batch, so
 * after a crash it is either whole or absent; RocksDB replays its synced write-ahead log at open. Small state of
 * other rooms that must survive a restart (warm-up counters) lives in "state", keyed by the room's prefix.
 */
public final class Spool implements AutoCloseable {
    private static final byte[] DATA_CF = "data".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] STATE_CF = "state".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OUTBOX_CF = "outbox".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUPPRESSION_CF = "suppression".getBytes(StandardCharsets.US_ASCII);

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Spool.class);

    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final DBOptions dbOptions;
    private final List<ColumnFamilyOptions> cfOptions;
    private final List<ColumnFamilyDescriptor> descriptors;
    // Replaced together when the database is reopened after a failed write (see reopen); null while it is closed.
    // Readers hold the read lock across their RocksDB calls, reopen holds the write lock.
    private final ReentrantReadWriteLock openLock = new ReentrantReadWriteLock();
    private List<ColumnFamilyHandle> handles;
    private RocksDB db;
    private ColumnFamilyHandle envelopes;
    private ColumnFamilyHandle data;
    // Null only in a read-only view of a spool written before the "state" family existed.
    private ColumnFamilyHandle state;
    // Webhook events waiting to be sent (see OutboxRecords); null only in a view of a spool without the family.
    private ColumnFamilyHandle outbox;
    // The suppression list (policy/SuppressionList); null only in a read-only view of a spool made before it existed.
    private ColumnFamilyHandle suppression;
    private final GroupCommitter committer; // null when read-only
    private final QueueIds ids = new QueueIds();
    private final long diskReserve;
    private final AtomicLong reserveCheckedAt = new AtomicLong(System.nanoTime() - 1_000_000_000L);
    private volatile boolean reserveOk = true;
    // The data dir's file system, found once: Files.getFileStore reads /proc/mounts (twice, ~0.5 ms) each time.
    private volatile FileStore store;
    private final Path secondaryDir;
    private volatile boolean closed;

    private Spool(Path dir, DBOptions dbOptions, List<ColumnFamilyOptions> cfOptions,
                  List<ColumnFamilyDescriptor> descriptors, List<ColumnFamilyHandle> handles, RocksDB db,
                  boolean writable, long diskReserve, Path secondaryDir) {
        this.dir = dir;
        this.dbOptions = dbOptions;
        this.cfOptions = cfOptions;
        this.descriptors = descriptors;
        this.handles = handles;
        this.db = db;
        this.envelopes = handles.get(0);
        this.data = handles.get(1);
        this.state = handles.size() > 2 ? handles.get(2) : null;
        this.outbox = named(descriptors, handles, OUTBOX_CF);
        this.suppression = named(descriptors, handles, SUPPRESSION_CF);
        this.committer = writable ? new GroupCommitter(new Database()) : null;
        this.diskReserve = diskReserve;
        this.secondaryDir = secondaryDir;
    }

    /** The column families to open: envelopes, data, and "state" when {@code withState}. */
    private static List<ColumnFamilyDescriptor> families(List<ColumnFamilyOptions> opts, boolean withState) {
        ColumnFamilyOptions envOpts = new ColumnFamilyOptions();
        ColumnFamilyOptions dataOpts = new ColumnFamilyOptions()
                .setEnableBlobFiles(true)
                .setMinBlobSize(16 * 1024)
                .setEnableBlobGarbageCollection(true);
        opts.add(envOpts);
        opts.add(dataOpts);
        List<ColumnFamilyDescriptor> out = new ArrayList<>(List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, envOpts),
                new ColumnFamilyDescriptor(DATA_CF, dataOpts)));
        if (withState) {
            ColumnFamilyOptions stateOpts = new ColumnFamilyOptions();
            opts.add(stateOpts);
            out.add(new ColumnFamilyDescriptor(STATE_CF, stateOpts));
        }
        return List.copyOf(out);
    }

    /** {@code families} and, when {@code add}, the "outbox" family after them (always after "state"). */
    private static List<ColumnFamilyDescriptor> withOutbox(List<ColumnFamilyDescriptor> families,
                                                           List<ColumnFamilyOptions> opts, boolean add) {
        if (!add) return families;
        ColumnFamilyOptions o = new ColumnFamilyOptions();
        opts.add(o);
        List<ColumnFamilyDescriptor> out = new ArrayList<>(families);
        out.add(new ColumnFamilyDescriptor(OUTBOX_CF, o));
        return List.copyOf(out);
    }

    /**
     * Adds the "suppression" family: keys {@code domain \0 address}, point reads for confirmations, a bloom filter
     * so a read of an absent key rarely touches a file.
     */
    private static List<ColumnFamilyDescriptor> withSuppression(List<ColumnFamilyDescriptor> families,
                                                                List<ColumnFamilyOptions> opts) {
        ColumnFamilyOptions o = new ColumnFamilyOptions().setTableFormatConfig(
                new org.rocksdb.BlockBasedTableConfig().setFilterPolicy(new org.rocksdb.BloomFilter(10)));
        opts.add(o);
        List<ColumnFamilyDescriptor> out = new ArrayList<>(families);
        out.add(new ColumnFamilyDescriptor(SUPPRESSION_CF, o));
        return List.copyOf(out);
    }

    private static ColumnFamilyHandle named(List<ColumnFamilyDescriptor> descriptors, List<ColumnFamilyHandle> handles,
                                            byte[] name) {
        for (int i = 0; i < descriptors.size(); i++) {
            if (java.util.Arrays.equals(descriptors.get(i).getName(), name)) return handles.get(i);
        }
        return null;
    }

    private static boolean hasFamily(Path dir, byte[] family) throws RocksDBException {
        try (org.rocksdb.Options o = new org.rocksdb.Options()) {
            for (byte[] name : RocksDB.listColumnFamilies(o, dir.toString())) {
                if (java.util.Arrays.equals(name, family)) return true;
            }
            return false;
        }
    }

    /** Whether the spool in {@code dir} already has the "state" family (a spool made by an older Sluice has not). */
    private static boolean hasStateFamily(Path dir) throws RocksDBException {
        try (org.rocksdb.Options o = new org.rocksdb.Options()) {
            for (byte[] name : RocksDB.listColumnFamilies(o, dir.toString())) {
                if (java.util.Arrays.equals(name, STATE_CF)) return true;
            }
            return false;
        }
    }

    /**
     * Opens (creating if needed) the spool in {@code dir} for reading and writing; recovers after a crash.
     *
     * <p>Recovery replays the write-ahead log with {@code kTolerateCorruptedTailRecords}: a torn last record (a
     * crash in the middle of a write, never acknowledged) is dropped, but damage anywhere else fails the open with
     * {@link SpoolException.Reason#CORRUPT} and leaves every file as it was. RocksDB's default,
     * point-in-time recovery, would silently drop everything after the damage and delete the log (measured with
     * 11.8.1: 16 bytes flipped mid-log of 2,000 messages kept 1,000 and said nothing), and
     * {@code kAbsoluteConsistency} refuses a torn tail too; {@link SpoolSalvage} is the explicit way to recover
     * what can be.
     *
     * @throws SpoolException whose {@link SpoolException#reason()} tells a held lock from damage, a full disk or
     *                        another I/O error
     */
    public static Spool open(Path dir, long diskReserveBytes) throws SpoolException {
        return open(dir, diskReserveBytes, false);
    }

    /**
     * As {@link #open(Path, long)}; with {@code directIo} (the server, {@code [spool] direct_io}) RocksDB's flushes
     * and compactions write past the page cache where the file system takes O_DIRECT ({@link DirectIo}), and the
     * log says which way they write. The command-line tools open without it: they write little, and quietly.
     */
    public static Spool open(Path dir, long diskReserveBytes, boolean directIo) throws SpoolException {
        return open(dir, diskReserveBytes, WALRecoveryMode.TolerateCorruptedTailRecords, directIo);
    }

    /** Opens a damaged spool skipping every damaged log record (salvage only). */
    static Spool openTolerant(Path dir) throws SpoolException {
        return open(dir, 0, WALRecoveryMode.SkipAnyCorruptedRecords, false);
    }

    private static Spool open(Path dir, long diskReserveBytes, WALRecoveryMode recovery, boolean directIo)
            throws SpoolException {
        List<ColumnFamilyOptions> cfOpts = new ArrayList<>();
        DBOptions options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
                .setMaxTotalWalSize(256L << 20).setWalRecoveryMode(recovery);
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            if (directIo) options.setUseDirectIoForFlushAndCompaction(directIoTaken(dir));
            // A spool made before the "state" family existed gets it here (create_missing_column_families).
            List<ColumnFamilyDescriptor> families = withSuppression(withOutbox(families(cfOpts, true), cfOpts, true), cfOpts);
            RocksDB db = RocksDB.open(options, dir.toString(), families, handles);
            return new Spool(dir, options, cfOpts, families, handles, db, true, diskReserveBytes, null);
        } catch (RocksDBException | IOException e) {
            options.close();
            cfOpts.forEach(ColumnFamilyOptions::close);
            throw new SpoolException(e.getMessage(), e);
        }
    }

    /** Probes {@code dir} for O_DIRECT and logs the outcome; true when flushes may bypass the page cache. */
    private static boolean directIoTaken(Path dir) {
        DirectIo.Probe probe = DirectIo.probe(dir);
        if (probe.supported()) {
            log.info("flushes and compactions write with direct I/O, past the page cache");
        } else {
            log.info("the file system of {} does not take direct I/O ({}); flushes and compactions go through"
                    + " the page cache", dir, probe.reason());
        }
        return probe.supported();
    }

    /** Opens a spool that a running server may hold, for reading only (a RocksDB secondary instance). */
    public static Spool openReadOnly(Path dir) throws SpoolException {
        List<ColumnFamilyOptions> cfOpts = new ArrayList<>();
        DBOptions options = new DBOptions().setMaxOpenFiles(-1);
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        Path secondary = null;
        try {
            secondary = Files.createTempDirectory("sluice-spool-view");
            // A secondary cannot create a family: it opens "state" only where a writer already made it.
            boolean hasState = hasStateFamily(dir);
            List<ColumnFamilyDescriptor> families = withOutbox(families(cfOpts, hasState), cfOpts,
                    hasState && hasFamily(dir, OUTBOX_CF));
            if (hasFamily(dir, SUPPRESSION_CF)) families = withSuppression(families, cfOpts);
            RocksDB db = RocksDB.openAsSecondary(options, dir.toString(), secondary.toString(), families, handles);
            db.tryCatchUpWithPrimary();
            return new Spool(dir, options, cfOpts, families, handles, db, false, 0, secondary);
        } catch (RocksDBException | IOException e) {
            options.close();
            cfOpts.forEach(ColumnFamilyOptions::close);
            deleteTree(secondary);
            throw new SpoolException(e.getMessage(), e);
        }
    }

    RocksDB db() {
        return db;
    }

    ColumnFamilyHandle envelopesFamily() {
        return envelopes;
    }

    ColumnFamilyHandle dataFamily() {
        return data;
    }

    /** A new unique queue id (sortable by time). */
    public String newId() {
        return ids.next();
    }

    private GroupCommitter writer() throws SpoolException {
        if (committer == null) throw new SpoolException("spool opened read-only");
        if (closed) throw new SpoolException("spool is closed");
        return committer;
    }

    private static byte[] key(String id) {
        return id.getBytes(StandardCharsets.US_ASCII);
    }

    /** Stores a new message; returns only once it is fsynced (group commit with concurrent callers). */
    public void commit(String id, Envelope envelope, byte[] bytes) throws SpoolException {
        commit(id, envelope, QueueState.NEW, bytes);
    }

    /** Stores a new message with a queue state of its own (e.g. held, or not due before a time). */
    public void commit(String id, Envelope envelope, QueueState state, byte[] bytes) throws SpoolException {
        commit(id, envelope, state, bytes, OutboxRecords.NONE);
    }

    /** Stores a new message and {@code extra} outbox entries in one atomic, synced batch. */
    public void commit(String id, Envelope envelope, QueueState state, byte[] bytes, OutboxRecords extra)
            throws SpoolException {
        byte[] k = key(id);
        byte[] env = EnvelopeCodec.encode(envelope, state);
        writer().commit(GroupCommitter.Change.of(bytes.length + env.length, b -> {
            b.put(data, k, bytes);
            b.put(envelopes, k, env);
            putOutbox(b, extra);
        }));
    }

    /** Replaces the envelope (recipient states) and queue state of a message, durably. */
    public void update(String id, Envelope envelope, QueueState state) throws SpoolException {
        update(id, envelope, state, OutboxRecords.NONE);
    }

    /** As {@link #update(String, Envelope, QueueState)}, with {@code extra} outbox entries in the same batch. */
    public void update(String id, Envelope envelope, QueueState state, OutboxRecords extra) throws SpoolException {
        if (find(id).isEmpty()) throw new SpoolException("no such message: " + id);
        byte[] k = key(id);
        byte[] env = EnvelopeCodec.encode(envelope, state);
        writer().commit(GroupCommitter.Change.of(env.length, b -> {
            b.put(envelopes, k, env);
            putOutbox(b, extra);
        }));
    }

    /** Removes a message and its data, durably. */
    public void remove(String id) throws SpoolException {
        remove(id, OutboxRecords.NONE);
    }

    /** Removes a message and stores {@code extra} outbox entries, in one atomic, synced batch. */
    public void remove(String id, OutboxRecords extra) throws SpoolException {
        byte[] k = key(id);
        writer().commit(GroupCommitter.Change.of(k.length * 2L, b -> {
            b.delete(envelopes, k);
            b.delete(data, k);
            putOutbox(b, extra);
        }));
    }

    private void putOutbox(WriteBatch b, OutboxRecords extra) throws RocksDBException {
        if (extra == OutboxRecords.NONE) return;
        List<byte[][]> entries = new ArrayList<>();
        extra.writeTo((k, v) -> entries.add(new byte[][] {k, v}));
        for (byte[][] e : entries) b.put(outbox, e[0], e[1]);
    }

    /** Stores outbox entries of their own (events that report no change of a message), synced, group-committed. */
    public void putOutbox(OutboxRecords records) throws SpoolException {
        writer().commit(GroupCommitter.Change.of(256, b -> {
            putOutbox(b, records);
        }));
    }

    /** Deletes outbox entries (sent, or given up), in one synced batch. */
    public void deleteOutbox(List<byte[]> keys) throws SpoolException {
        if (keys.isEmpty()) return;
        List<byte[]> copy = List.copyOf(keys);
        writer().commit(GroupCommitter.Change.of(copy.size() * 32L, b -> {
            for (byte[] k : copy) b.delete(outbox, k);
        }));
    }

    /** Deletes every outbox entry whose key is in [{@code from}, {@code to}) (an endpoint no longer configured). */
    public void deleteOutboxRange(byte[] from, byte[] to) throws SpoolException {
        writer().commit(GroupCommitter.Change.of(from.length + to.length, b -> {
            b.deleteRange(outbox, from, to);
        }));
    }

    /** One outbox entry. */
    public record OutboxEntry(byte[] key, byte[] value) {}

    /**
     * Up to {@code limit} outbox entries with keys in [{@code from}, {@code to}) in key order: one page, however
     * many wait. {@code to} null: to the end.
     */
    public List<OutboxEntry> outboxPage(byte[] from, byte[] to, int limit) throws SpoolException {
        List<OutboxEntry> out = new ArrayList<>();
        return read(d -> {
            if (outbox == null) return out;
            try (RocksIterator it = d.newIterator(outbox)) {
                for (it.seek(from); it.isValid() && out.size() < limit; it.next()) {
                    byte[] k = it.key();
                    if (to != null && java.util.Arrays.compareUnsigned(k, to) >= 0) break;
                    out.add(new OutboxEntry(k, it.value()));
                }
                it.status();
            }
            return out;
        });
    }

    /** The greatest outbox key below {@code before}, or null. */
    public byte[] lastOutboxKeyBefore(byte[] before) throws SpoolException {
        return read(d -> {
            if (outbox == null) return null;
            try (RocksIterator it = d.newIterator(outbox)) {
                it.seekForPrev(before);
                if (it.isValid() && java.util.Arrays.equals(it.key(), before)) it.prev();
                byte[] k = it.isValid() ? it.key() : null;
                it.status();
                return k;
            }
        });
    }

    /** Stores one entry of small durable state (see {@link #putStates}). */
    public void putState(String key, byte[] value) throws SpoolException {
        putStates(Map.of(key, value));
    }

    /**
     * Stores entries of small durable state in one atomic, synced batch (through the group committer, so a caller
     * never runs RocksDB itself). Keys start with the owning room's prefix, e.g. "warmup/".
     */
    public void putStates(Map<String, byte[]> entries) throws SpoolException {
        if (entries.isEmpty()) return;
        GroupCommitter w = writer();
        Map<byte[], byte[]> encoded = new LinkedHashMap<>();
        long size = 0;
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
            encoded.put(k, e.getValue());
            size += k.length + e.getValue().length;
        }
        long bytes = size;
        w.commit(GroupCommitter.Change.of(bytes, b -> {
            for (Map.Entry<byte[], byte[]> e : encoded.entrySet()) b.put(state, e.getKey(), e.getValue());
        }));
    }

    /** Removes entries of durable state (absent ones are no error) in one atomic, synced batch. */
    public void removeStates(java.util.Collection<String> keys) throws SpoolException {
        if (keys.isEmpty()) return;
        List<byte[]> encoded = keys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        long bytes = encoded.stream().mapToLong(k -> k.length).sum();
        writer().commit(GroupCommitter.Change.of(bytes, b -> {
            for (byte[] k : encoded) b.delete(state, k);
        }));
    }

    /** Every entry of durable state whose key starts with {@code prefix}, in key order (empty when there is none). */
    public Map<String, byte[]> readState(String prefix) throws SpoolException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
        return read(d -> {
            if (state == null) return out; // a view of a spool that never stored any
            try (RocksIterator it = d.newIterator(state)) {
                for (it.seek(p); it.isValid() && startsWith(it.key(), p); it.next()) {
                    out.put(new String(it.key(), StandardCharsets.UTF_8), it.value());
                }
                it.status();
            }
            return out;
        });
    }

    /**
     * Writes suppression entries in one atomic, synced batch through the group committer: a null value deletes the
     * key. The caller is the suppression list's one writer thread (a platform thread).
     */
    public void writeSuppressions(List<Map.Entry<byte[], byte[]>> changes) throws SpoolException {
        if (changes.isEmpty()) return;
        GroupCommitter w = writer();
        long size = 0;
        for (Map.Entry<byte[], byte[]> c : changes) size += c.getKey().length + (c.getValue() == null ? 0 : c.getValue().length);
        long bytes = size;
        w.commit(GroupCommitter.Change.of(bytes, b -> {
            for (Map.Entry<byte[], byte[]> c : changes) {
                if (c.getValue() == null) b.delete(suppression, c.getKey());
                else b.put(suppression, c.getKey(), c.getValue());
            }
        }));
    }

    /** One suppression entry's value, or null. */
    public byte[] readSuppression(byte[] key) throws SpoolException {
        return read(d -> suppression == null ? null : d.get(suppression, key));
    }

    /**
     * Visits up to {@code limit} suppression entries in key order after {@code after} (null: from the first);
     * returns whether more follow.
     */
    public boolean scanSuppressions(byte[] after, int limit, java.util.function.BiConsumer<byte[], byte[]> visitor)
            throws SpoolException {
        return read(d -> {
            if (suppression == null) return false;
            try (RocksIterator it = d.newIterator(suppression)) {
                if (after == null) {
                    it.seekToFirst();
                } else {
                    it.seek(after);
                    if (it.isValid() && java.util.Arrays.equals(it.key(), after)) it.next();
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

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && java.util.Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private long usableSpace() throws IOException {
        FileStore s = store;
        if (s == null) store = s = Files.getFileStore(dir);
        return s.getUsableSpace();
    }

    /** False when free space in the data dir is below the reserve; the reading is refreshed at most twice a second. */
    public boolean hasDiskReserve() {
        if (diskReserve <= 0) return true;
        long now = System.nanoTime();
        long last = reserveCheckedAt.get();
        if (now - last > 500_000_000L && reserveCheckedAt.compareAndSet(last, now)) {
            try {
                reserveOk = usableSpace() >= diskReserve;
            } catch (IOException e) {
                reserveOk = false; // cannot tell: refuse rather than risk a half-written disk
            }
        }
        return reserveOk;
    }

    public List<QueuedMessage> list() throws SpoolException {
        List<QueuedMessage> out = new ArrayList<>();
        scan(out::add);
        return out;
    }

    /** The number of messages (keys only: nothing is decoded). */
    public long count() throws SpoolException {
        return read(d -> {
            long n = 0;
            try (RocksIterator it = d.newIterator(envelopes)) {
                for (it.seekToFirst(); it.isValid(); it.next()) n++;
                it.status();
            }
            return n;
        });
    }

    /** RocksDB's estimate of the number of messages (no scan: for sizing a table before one), 0 when unknown. */
    public long estimatedCount() {
        try {
            long n = read(d -> d.getLongProperty(envelopes, "rocksdb.estimate-num-keys"));
            return Math.max(0, n);
        } catch (SpoolException e) {
            return 0;
        }
    }

    /** Visits every message in queue-id (arrival) order without holding them all in memory. */
    public void scan(java.util.function.Consumer<QueuedMessage> visitor) throws SpoolException {
        read(d -> {
            try (RocksIterator it = d.newIterator(envelopes)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    String id = new String(it.key(), StandardCharsets.US_ASCII);
                    visitor.accept(EnvelopeCodec.decode(id, it.value()));
                }
                it.status();
            }
            return null;
        });
    }

    /**
     * Visits the {@link QueueFacts} of every message, for the scheduler's index at start: only what scheduling needs
     * is decoded, on {@code parts} platform threads (see {@link FactsScan}), so the visitor must be thread-safe. The
     * first failure (an unreadable record, a read error) ends every part and is thrown: a damaged spool still stops
     * the start.
     */
    public void scanFacts(int parts, java.util.function.Consumer<QueueFacts> visitor) throws SpoolException {
        read(d -> {
            new FactsScan(d, envelopes).run(parts, visitor);
            return null;
        });
    }

    /**
     * Visits up to {@code limit} messages in queue-id order, starting after {@code after} (null: from the first);
     * returns whether more follow. One page of the queue, however long the queue is.
     */
    public boolean scanPage(String after, int limit, java.util.function.Consumer<QueuedMessage> visitor) throws SpoolException {
        return read(d -> {
            try (RocksIterator it = d.newIterator(envelopes)) {
                if (after == null) {
                    it.seekToFirst();
                } else {
                    it.seek(key(after));
                    if (it.isValid() && java.util.Arrays.equals(it.key(), key(after))) it.next();
                }
                for (int n = 0; it.isValid(); it.next(), n++) {
                    if (n == limit) return true;
                    visitor.accept(EnvelopeCodec.decode(new String(it.key(), StandardCharsets.US_ASCII), it.value()));
                }
                it.status();
                return false;
            }
        });
    }

    public Optional<QueuedMessage> find(String id) throws SpoolException {
        if (!QueueIds.plausible(id)) return Optional.empty();
        byte[] v = read(d -> d.get(envelopes, key(id)));
        return v == null ? Optional.empty() : Optional.of(EnvelopeCodec.decode(id, v));
    }

    public Optional<byte[]> readData(String id) throws SpoolException {
        if (!QueueIds.plausible(id)) return Optional.empty();
        return Optional.ofNullable(read(d -> d.get(data, key(id))));
    }

    /** One read of the database. */
    @FunctionalInterface
    private interface Read<T> {
        T run(RocksDB db) throws RocksDBException, SpoolException;
    }

    /**
     * Runs {@code read} under the read lock (as every reader: a reopen after a failed write must not close the
     * database under it) and turns RocksDB's failure into the spool's.
     */
    private <T> T read(Read<T> read) throws SpoolException {
        openLock.readLock().lock();
        try {
            return read.run(live());
        } catch (RocksDBException e) {
            throw new SpoolException(e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** The database, or the reason there is none (a reopen after a failed write did not succeed yet). */
    private RocksDB live() throws SpoolException {
        RocksDB d = db;
        if (d == null) throw new SpoolException("the spool is closed after a write error and could not be reopened yet",
                null, SpoolException.Reason.IO);
        return d;
    }

    /** The committer's view of the database: writes under the read lock, reopens under the write lock. */
    private final class Database implements GroupCommitter.Database {
        @Override
        public void write(WriteOptions sync, WriteBatch batch) throws RocksDBException, SpoolException {
            openLock.readLock().lock();
            try {
                live().write(sync, batch);
            } finally {
                openLock.readLock().unlock();
            }
        }

        @Override
        public long freeSpace() throws IOException {
            return usableSpace();
        }

        /**
         * After a write failed (a full disk: RocksDB then refuses every write until it is reopened, and RocksJava
         * 11.8.1 has no {@code DB::Resume}; its SstFileManager auto-recovery did not recover a WAL write error in a
         * test here), close and open the database again: the log replays, a record torn by the failed write is
         * dropped as a torn tail, and every acknowledged write is kept.
         */
        @Override
        public void reopen() throws RocksDBException {
            openLock.writeLock().lock();
            try {
                if (db != null) {
                    for (ColumnFamilyHandle h : handles) h.close();
                    db.close();
                    db = null;
                }
                List<ColumnFamilyHandle> fresh = new ArrayList<>();
                RocksDB reopened = RocksDB.open(dbOptions, dir.toString(), descriptors, fresh);
                handles = fresh;
                envelopes = fresh.get(0);
                data = fresh.get(1);
                state = fresh.size() > 2 ? fresh.get(2) : null;
                outbox = named(descriptors, fresh, OUTBOX_CF);
                suppression = named(descriptors, fresh, SUPPRESSION_CF);
                db = reopened;
            } finally {
                openLock.writeLock().unlock();
            }
        }
    }

    /** Writes every family's memtable to files now, and waits (tests: what a flush writes, and how). */
    void flush() throws SpoolException {
        openLock.readLock().lock();
        try (org.rocksdb.FlushOptions wait = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
            live().flush(wait, handles);
        } catch (RocksDBException e) {
            throw new SpoolException(e.getMessage(), e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** Synced batches written, and changes in them (group-commit effectiveness). */
    long syncs() {
        return committer == null ? 0 : committer.syncs();
    }

    long commits() {
        return committer == null ? 0 : committer.commits();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (committer != null) committer.close();
        openLock.writeLock().lock();
        try {
            if (db != null) {
                for (ColumnFamilyHandle h : handles) h.close();
                db.close();
                db = null;
            }
        } finally {
            openLock.writeLock().unlock();
        }
        dbOptions.close();
        cfOptions.forEach(ColumnFamilyOptions::close);
        deleteTree(secondaryDir);
    }

    private static void deleteTree(Path p) {
        if (p == null) return;
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
