package sluice.spool;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The spool's only writer: one platform thread drains every waiting change into one WriteBatch and one
 * synced write. Callers are virtual threads that would pin their carrier inside the JNI call; here they
 * only park on a future (ARCHITECTURE.md, "The spool's commit path").
 */
final class GroupCommitter implements AutoCloseable {
    /** One caller's change, applied to the shared batch. */
    interface Change {
        void apply(WriteBatch batch) throws RocksDBException;

        long bytes();

        /** A change of about {@code bytes} bytes made by {@code edit}. */
        static Change of(long bytes, Edit edit) {
            return new Change() {
                public void apply(WriteBatch batch) throws RocksDBException {
                    edit.apply(batch);
                }

                public long bytes() {
                    return bytes;
                }
            };
        }
    }

    /** What a change does to the batch. */
    @FunctionalInterface
    interface Edit {
        void apply(WriteBatch batch) throws RocksDBException;
    }

    private record Pending(Change change, CompletableFuture<Void> done) {}

    private static final long MAX_BATCH_BYTES = 8L << 20;
    private static final int MAX_BATCH_CHANGES = 1000;

    /** Where batches go; {@link #reopen} starts over after a failed write (see Spool). */
    interface Database {
        void write(WriteOptions sync, WriteBatch batch) throws RocksDBException, SpoolException;

        long freeSpace() throws java.io.IOException;

        void reopen() throws RocksDBException;
    }

    /** Below this much free space a failed database is not reopened yet: it would fail again at once. */
    private static final long MIN_FREE_TO_REOPEN = 1L << 20;
    private static final Logger log = LoggerFactory.getLogger(GroupCommitter.class);

    private final Database db;
    /** The failure that stopped writes (only the committer thread touches it), or null. */
    private RocksDBException failed;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final AtomicLong syncs = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private volatile boolean closing;

    GroupCommitter(Database db) {
        this.db = db;
        this.thread = Thread.ofPlatform().name("spool-committer").daemon(true).start(this::run);
    }

    /** Returns once the change is in the synced write-ahead log. */
    void commit(Change change) throws SpoolException {
        if (closing) throw new SpoolException("spool is closed");
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.add(new Pending(change, done));
        try {
            done.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SpoolException se) throw se;
            throw new SpoolException("spool write failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SpoolException("interrupted while waiting for the spool");
        }
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        try (WriteOptions sync = new WriteOptions().setSync(true)) {
            while (!closing || !queue.isEmpty()) {
                Pending first;
                try {
                    first = queue.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    break;
                }
                if (first == null) continue;
                batch.add(first);
                long bytes = first.change().bytes();
                Pending next;
                while (batch.size() < MAX_BATCH_CHANGES && bytes < MAX_BATCH_BYTES && (next = queue.poll()) != null) {
                    batch.add(next);
                    bytes += next.change().bytes();
                }
                write(batch, sync);
                batch.clear();
            }
        }
        for (Pending p; (p = queue.poll()) != null; ) p.done().completeExceptionally(new SpoolException("spool is closed"));
    }

    private void write(List<Pending> batch, WriteOptions sync) {
        if (failed != null && !recovered()) {
            for (Pending p : batch) p.done().completeExceptionally(failed);
            return;
        }
        try (WriteBatch wb = new WriteBatch()) {
            for (Pending p : batch) p.change().apply(wb);
            db.write(sync, wb);
            syncs.incrementAndGet();
            commits.addAndGet(batch.size());
            for (Pending p : batch) p.done().complete(null);
        } catch (RocksDBException e) {
            SpoolException.Reason reason = SpoolException.reasonOf(e);
            if (reason == SpoolException.Reason.NO_SPACE || reason == SpoolException.Reason.IO) {
                // RocksDB now refuses every write until it is reopened: say so once, and reopen when space is back.
                if (failed == null) {
                    log.error("spool: a write failed ({}); new mail is refused with a temporary error until the spool"
                            + " can be reopened, tried again with each new write once 1 MiB is free", e.getMessage());
                }
                failed = e;
            }
            for (Pending p : batch) p.done().completeExceptionally(e);
        } catch (SpoolException | RuntimeException e) {
            for (Pending p : batch) p.done().completeExceptionally(e);
        }
    }

    /** After a failed write: reopens the database once there is room again; true when it takes writes again. */
    private boolean recovered() {
        try {
            long free = db.freeSpace();
            if (free < MIN_FREE_TO_REOPEN) return false;
            long start = System.nanoTime();
            db.reopen();
            log.warn("spool: writes resumed after \"{}\": the database was reopened in {} ms ({} MiB free); no"
                    + " acknowledged message was lost", failed.getMessage(), (System.nanoTime() - start) / 1_000_000, free >> 20);
            failed = null;
            return true;
        } catch (RocksDBException | java.io.IOException e) {
            log.debug("spool: reopen failed: {}", e.getMessage());
            return false;
        }
    }

    long syncs() {
        return syncs.get();
    }

    long commits() {
        return commits.get();
    }

    @Override
    public void close() {
        closing = true;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
