package sluice.spool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * after a crash it is either whole or absent; RocksDB replays its synced write-ahead log at open. The other
 * families ({@link Families}) have faces of their own: {@link #state()} (small state of other rooms that must
 * survive a restart), {@link #outbox()} (webhook events) and {@link #suppressions()}. Every write, whatever its
 * family, goes through the one {@link GroupCommitter}.
 */
public final class Spool implements AutoCloseable {
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
    private volatile RocksDB db;
    private volatile Families families;
    private final OutboxFamily outbox = new OutboxFamily(this);
    private final StateFamily state = new StateFamily(this);
    private final SuppressionFamily suppressions = new SuppressionFamily(this);
    private final GroupCommitter committer; // null when read-only
    private final QueueIds ids = new QueueIds();
    private final DiskReserve reserve;
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
        this.families = Families.of(descriptors, handles);
        this.committer = writable ? new GroupCommitter(new Database()) : null;
        this.reserve = new DiskReserve(dir, diskReserve);
        this.secondaryDir = secondaryDir;
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
            // A spool made by an older Sluice gets the families it lacks here (create_missing_column_families).
            List<ColumnFamilyDescriptor> families = Families.forWriter(cfOpts);
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
            List<ColumnFamilyDescriptor> families = Families.forView(dir, cfOpts);
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

    /** The open column families (replaced when the database is reopened after a failed write). */
    Families families() {
        return families;
    }

    /** Webhook events waiting to be sent. */
    public OutboxFamily outbox() {
        return outbox;
    }

    /** Small durable state of other rooms. */
    public StateFamily state() {
        return state;
    }

    /** The suppression list's entries. */
    public SuppressionFamily suppressions() {
        return suppressions;
    }

    /** A new unique queue id (sortable by time). */
    public String newId() {
        return ids.next();
    }

    GroupCommitter writer() throws SpoolException {
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
            Families f = families;
            b.put(f.data(), k, bytes);
            b.put(f.envelopes(), k, env);
            outbox.addTo(b, extra);
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
            b.put(families.envelopes(), k, env);
            outbox.addTo(b, extra);
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
            Families f = families;
            b.delete(f.envelopes(), k);
            b.delete(f.data(), k);
            outbox.addTo(b, extra);
        }));
    }

    /** False when free space in the data dir is below the reserve; the reading is refreshed at most twice a second. */
    public boolean hasDiskReserve() {
        return reserve.held();
    }

    public List<QueuedMessage> list() throws SpoolException {
        List<QueuedMessage> out = new ArrayList<>();
        scan(out::add);
        return out;
    }

    /** The number of messages (keys only: nothing is decoded). */
    public long count() throws SpoolException {
        return read((d, f) -> {
            long n = 0;
            try (RocksIterator it = d.newIterator(f.envelopes())) {
                for (it.seekToFirst(); it.isValid(); it.next()) n++;
                it.status();
            }
            return n;
        });
    }

    /** RocksDB's estimate of the number of messages (no scan: for sizing a table before one), 0 when unknown. */
    public long estimatedCount() {
        try {
            long n = read((d, f) -> d.getLongProperty(f.envelopes(), "rocksdb.estimate-num-keys"));
            return Math.max(0, n);
        } catch (SpoolException e) {
            return 0;
        }
    }

    /** Visits every message in queue-id (arrival) order without holding them all in memory. */
    public void scan(java.util.function.Consumer<QueuedMessage> visitor) throws SpoolException {
        read((d, f) -> {
            try (RocksIterator it = d.newIterator(f.envelopes())) {
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
        read((d, f) -> {
            new FactsScan(d, f.envelopes()).run(parts, visitor);
            return null;
        });
    }

    /**
     * Visits up to {@code limit} messages in queue-id order, starting after {@code after} (null: from the first);
     * returns whether more follow. One page of the queue, however long the queue is.
     */
    public boolean scanPage(String after, int limit, java.util.function.Consumer<QueuedMessage> visitor) throws SpoolException {
        return read((d, f) -> {
            try (RocksIterator it = d.newIterator(f.envelopes())) {
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
        byte[] v = read((d, f) -> d.get(f.envelopes(), key(id)));
        return v == null ? Optional.empty() : Optional.of(EnvelopeCodec.decode(id, v));
    }

    public Optional<byte[]> readData(String id) throws SpoolException {
        if (!QueueIds.plausible(id)) return Optional.empty();
        return Optional.ofNullable(read((d, f) -> d.get(f.data(), key(id))));
    }

    /** One read of the database and its families (both live for the read's duration). */
    @FunctionalInterface
    interface Read<T> {
        T run(RocksDB db, Families families) throws RocksDBException, SpoolException;
    }

    /**
     * Runs {@code read} under the read lock (as every reader: a reopen after a failed write must not close the
     * database under it) and turns RocksDB's failure into the spool's.
     */
    <T> T read(Read<T> read) throws SpoolException {
        openLock.readLock().lock();
        try {
            return read.run(live(), families);
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
            return reserve.usableSpace();
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
                families = Families.of(descriptors, fresh);
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
