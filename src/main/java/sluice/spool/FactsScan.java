package sluice.spool;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.LiveFileMetaData;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * The scan that rebuilds the scheduler's index at start: every envelope's {@link QueueFacts} (only what scheduling
 * needs, see {@link FactsReader}). The key range is cut into ranges of about equal numbers of keys (from the table
 * files' metadata, see {@link KeyRanges}), each scanned on a platform thread of its own (a RocksDB read pins a virtual
 * thread's carrier). The first failure ends every part and is thrown. Runs under the spool's read lock.
 */
final class FactsScan {
    private final RocksDB d;
    private final ColumnFamilyHandle envelopes;

    FactsScan(RocksDB d, ColumnFamilyHandle envelopes) {
        this.d = d;
        this.envelopes = envelopes;
    }

    /** Visits every message's facts on {@code parts} threads; the visitor must be thread-safe. */
    void run(int parts, Consumer<QueueFacts> visitor) throws RocksDBException, SpoolException {
        List<KeyRanges.FileSpan> files = new ArrayList<>();
        for (LiveFileMetaData f : d.getLiveFilesMetaData()) {
            if (Arrays.equals(f.columnFamilyName(), RocksDB.DEFAULT_COLUMN_FAMILY)) {
                files.add(new KeyRanges.FileSpan(f.smallestKey(), f.numEntries()));
            }
        }
        byte[][] bounds = KeyRanges.split(first(), last(), Math.max(1, parts), files);
        if (bounds.length <= 2) {
            scan(null, null, visitor);
            return;
        }
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Exception> failed = new AtomicReference<>();
        for (int i = 0; i + 1 < bounds.length; i++) {
            byte[] from = i == 0 ? null : bounds[i];
            byte[] to = i + 2 == bounds.length ? null : bounds[i + 1];
            threads.add(Thread.ofPlatform().name("spool-scan-" + i).start(() -> {
                try {
                    scan(from, to, f -> {
                        if (failed.get() != null) throw new Stop();
                        visitor.accept(f);
                    });
                } catch (Stop ignored) {
                    // another part failed first
                } catch (Exception | Error e) {
                    failed.compareAndSet(null, e instanceof Exception ex ? ex : new RuntimeException(e));
                }
            }));
        }
        // Every part is waited for, even when interrupted: returning releases the read lock, and a close must
        // not free the database under a part still reading it. An interrupt ends the parts at their next record.
        boolean interrupted = false;
        for (int i = 0; i < threads.size(); ) {
            try {
                threads.get(i).join();
                i++;
            } catch (InterruptedException e) {
                interrupted = true;
                failed.compareAndSet(null, new SpoolException("interrupted while reading the queue", e));
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        Exception e = failed.get();
        if (e instanceof SpoolException se) throw se;
        if (e instanceof RocksDBException re) throw re;
        if (e instanceof RuntimeException re) throw re;
        if (e != null) throw new SpoolException(e.getMessage(), e);
    }

    /** Thrown inside a part's visitor to end it once another part failed. */
    private static final class Stop extends RuntimeException {
        Stop() {
            super(null, null, false, false);
        }
    }

    /** One range [{@code from}, {@code to}) of the envelopes (null: open end); the scan reads ahead, caches nothing. */
    private void scan(byte[] from, byte[] to, Consumer<QueueFacts> visitor)
            throws RocksDBException, SpoolException {
        try (ReadOptions ro = new ReadOptions().setFillCache(false)
                .setReadaheadSize(2 << 20);
             RocksIterator it = d.newIterator(envelopes, ro);
             FactsReader reader = new FactsReader()) {
            byte[] value = new byte[4096]; // reused: a value array per record was a fifth of the scan's garbage
            byte[] key = new byte[64];
            if (from == null) it.seekToFirst();
            else it.seek(from);
            for (; it.isValid(); it.next()) {
                int kn = it.key(key);
                if (kn > key.length) {
                    key = new byte[kn];
                    kn = it.key(key);
                }
                if (to != null && Arrays.compareUnsigned(key, 0, kn, to, 0, to.length) >= 0) break;
                int n = it.value(value);
                if (n > value.length) {
                    value = new byte[Math.max(n, value.length * 2)];
                    n = it.value(value);
                }
                visitor.accept(reader.read(new String(key, 0, kn, StandardCharsets.US_ASCII), value, n));
            }
            it.status();
        }
    }

    private byte[] first() throws RocksDBException {
        try (RocksIterator it = d.newIterator(envelopes)) {
            it.seekToFirst();
            byte[] k = it.isValid() ? it.key() : null;
            it.status();
            return k;
        }
    }

    private byte[] last() throws RocksDBException {
        try (RocksIterator it = d.newIterator(envelopes)) {
            it.seekToLast();
            byte[] k = it.isValid() ? it.key() : null;
            it.status();
            return k;
        }
    }
}
