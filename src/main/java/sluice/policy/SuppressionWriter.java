package sluice.policy;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * The suppression list's one writer: changes wait in a bounded buffer and one platform thread stores whatever is
 * waiting as one batch (one WriteBatch, one sync). It exists because a hard-bounce storm adds entries on the
 * delivery threads: with a synced write each, 100,000 invalid recipients would cost 100,000 fsyncs on those
 * threads (and pin their carriers in JNI); here they cost a few dozen batches on a thread of their own.
 */
final class SuppressionWriter implements AutoCloseable {
    static final int MAX_BATCH = 10_000;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SuppressionWriter.class);

    /** One change: {@code entry} null removes the key; {@code done} completes once it is stored (fsynced). */
    record Change(SuppressionKey key, SuppressionList.Entry entry, CompletableFuture<Void> done) {}

    private final Spool spool;
    private final BlockingQueue<Change> buffer;
    private final BiConsumer<List<Change>, Boolean> stored;
    private final Thread thread;
    private volatile boolean closing;

    /** @param stored called on the writer thread with each batch once it is durable (true) or failed (false) */
    SuppressionWriter(Spool spool, int capacity, BiConsumer<List<Change>, Boolean> stored) {
        this.spool = spool;
        this.buffer = new ArrayBlockingQueue<>(capacity);
        this.stored = stored;
        this.thread = Thread.ofPlatform().name("suppression-writer").daemon(true).start(this::run);
    }

    /** Queues a change without ever waiting; false when the buffer is full. */
    boolean offer(Change c) {
        return !closing && buffer.offer(c);
    }

    int pending() {
        return buffer.size();
    }

    private void run() {
        List<Change> batch = new ArrayList<>(MAX_BATCH);
        while (true) {
            try {
                Change first = buffer.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing) return;
                    continue;
                }
                batch.add(first);
                buffer.drainTo(batch, MAX_BATCH - 1);
            } catch (InterruptedException e) {
                if (buffer.isEmpty()) return;
                buffer.drainTo(batch, MAX_BATCH);
            }
            write(batch);
            batch.clear();
        }
    }

    private void write(List<Change> batch) {
        List<Map.Entry<byte[], byte[]>> changes = new ArrayList<>(batch.size());
        for (Change c : batch) {
            changes.add(new AbstractMap.SimpleImmutableEntry<>(c.key().bytes(),
                    c.entry() == null ? null : SuppressionStore.encode(c.entry())));
        }
        SpoolException failure = null;
        try {
            spool.suppressions().write(changes);
        } catch (SpoolException e) {
            failure = e;
            log.error("suppression list: {} changes NOT stored: {}", batch.size(), e.getMessage());
        } catch (RuntimeException e) {
            failure = new SpoolException(e.toString(), e);
            log.error("suppression list: {} changes NOT stored", batch.size(), e);
        }
        stored.accept(batch, failure == null);
        for (Change c : batch) {
            if (c.done() == null) continue;
            if (failure == null) c.done().complete(null);
            else c.done().completeExceptionally(failure);
        }
    }

    /** Stores what is waiting, then stops the thread. */
    @Override
    public void close() {
        closing = true;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) log.error("suppression list: {} changes still waiting at shutdown", buffer.size());
    }
}
