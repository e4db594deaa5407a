package sluice.node;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives memory back to the system after a burst. A collector resizes the heap only when it collects, and an idle
 * server allocates nothing, so a heap grown by a burst stayed committed for ever. When a whole interval passed
 * without any collection and much of the committed heap is free, one full GC lets a collector that honours
 * MaxHeapFreeRatio (bin/jvm-memory) shrink it: G1 does (RSS 466 -> 317 MiB after 100,000 relayed messages); the
 * parallel collector, the default for throughput, keeps its heap as grown on JDK 25 (bench/footprint). Under load
 * collections come every few seconds, so it never fires then; after one trim it waits for the next busy spell.
 */
final class IdleHeapTrim implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IdleHeapTrim.class);
    static final long MIN_FREE_TO_TRIM = 32L << 20;

    private final Thread thread;
    private volatile boolean closed;

    /** The decision, apart from the JVM: the collection count and heap figures at the end of an interval. */
    static final class Decision {
        private long lastCollections = -1;
        private long trimmedAt = -1;

        boolean trimNow(long collections, long committed, long used) {
            boolean quiet = collections == lastCollections && collections != trimmedAt;
            lastCollections = collections;
            return quiet && committed - used >= MIN_FREE_TO_TRIM;
        }

        void trimmed(long collectionsAfter) {
            trimmedAt = collectionsAfter;
            lastCollections = collectionsAfter;
        }
    }

    private IdleHeapTrim(Duration interval) {
        this.thread = Thread.ofPlatform().name("idle-heap-trim").daemon(true).start(() -> run(interval));
    }

    static IdleHeapTrim start(Duration interval) {
        return new IdleHeapTrim(interval);
    }

    private void run(Duration interval) {
        Decision d = new Decision();
        while (!closed) {
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
            MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            if (d.trimNow(collections(), heap.getCommitted(), heap.getUsed())) {
                System.gc();
                MemoryUsage after = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
                log.info("idle: heap trimmed from {} MiB to {} MiB committed ({} MiB in use)", heap.getCommitted() >> 20,
                        after.getCommitted() >> 20, after.getUsed() >> 20);
                d.trimmed(collections());
            }
        }
    }

    private static long collections() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) n += Math.max(0, gc.getCollectionCount());
        return n;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
