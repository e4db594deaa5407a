package sluice.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import sluice.delivery.Router;
import sluice.queue.RetryPolicy;
import sluice.queue.Scheduler;
import sluice.spool.Spool;

/**
 * For docs-draft/restart.md: the two phases of a restart that depend on the queue, alone: opening the spool (the
 * write-ahead log replayed) and rebuilding the scheduler's index, with the process CPU and GC time of the index phase.
 * Not a test; run from the test classpath on a copy of a spool FillSpool made (the open replays and flushes its log):
 *   java -XX:+UseParallelGC -Xms64m -Xmx1g -cp ... sluice.bench.RestartIndex SPOOL_DIR
 */
public final class RestartIndex {
    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        try (Spool spool = Spool.open(Path.of(args[0]), 0)) {
            long t1 = System.nanoTime();
            long gc0 = gcMillis(), cpu0 = cpuNanos();
            Scheduler scheduler = new Scheduler(spool, new Router(List.of(), List.of()), null,
                    new RetryPolicy(List.of(Duration.ofMinutes(5)), Duration.ofDays(5), Duration.ofHours(4)),
                    null, e -> {}, Clock.systemUTC(), Scheduler.Settings.DEFAULT);
            int n = scheduler.start();
            long t2 = System.nanoTime();
            long gc1 = gcMillis(), cpu1 = cpuNanos();
            System.gc();
            long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            System.out.printf("open %.2f s, index %.2f s (CPU %.2f s, GC %.2f s), %d messages, heap after GC %d MiB%n",
                    (t1 - t0) / 1e9, (t2 - t1) / 1e9, (cpu1 - cpu0) / 1e9, (gc1 - gc0) / 1e3, n, used >> 20);
            scheduler.close();
        }
    }

    private static long gcMillis() {
        long t = 0;
        for (var g : ManagementFactory.getGarbageCollectorMXBeans()) t += g.getCollectionTime();
        return t;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
