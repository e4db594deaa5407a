package sluice.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import sluice.admin.AdminServer;

/**
 * The cached queue counts behind the API, the dashboard and metrics: a slow count (a spool scan while delivery is
 * paused) must not hold readers, and must not run on a reader's virtual thread (a scan is JNI: it would pin the
 * carrier and stall the SMTP sessions scheduled on it).
 */
class QueueCountsCacheTest {
    /** Counts that take as long as the test says, and remember whether they ever ran on a virtual thread. */
    private static final class SlowCounts implements AdminServer.QueueCounts {
        final AtomicLong calls = new AtomicLong();
        final AtomicBoolean ranOnVirtual = new AtomicBoolean();
        volatile CountDownLatch gate = new CountDownLatch(0);

        public Map<String, Long> byState() {
            if (Thread.currentThread().isVirtual()) ranOnVirtual.set(true);
            long n = calls.incrementAndGet();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Map.of("ready", n);
        }

        public Map<String, Long> byDestination() {
            return Map.of();
        }
    }

    @Test
    void readersGetTheLastValueAtOnceWhileOneRefresherCounts() throws Exception {
        SlowCounts slow = new SlowCounts();
        AdminServer.QueueCounts cached = Counts.cached(slow, Duration.ZERO); // every read finds the value stale
        try (var readers = Executors.newVirtualThreadPerTaskExecutor()) {
            assertThat(readers.submit(cached::byState).get(5, TimeUnit.SECONDS)).containsEntry("ready", 1L);

            slow.gate = new CountDownLatch(1); // the next count takes until the test lets it finish
            try {
                for (int i = 0; i < 20; i++) {
                    Map<String, Long> seen = readers.submit(cached::byState).get(2, TimeUnit.SECONDS);
                    assertThat(seen).as("read %d during a slow count", i).containsEntry("ready", 1L);
                }
                // the refresh runs on its own thread: it may start after the reads returned (CI under load saw 1)
                Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> slow.calls.get() >= 2);
                for (int i = 0; i < 20; i++) {
                    assertThat(readers.submit(cached::byState).get(2, TimeUnit.SECONDS)).containsEntry("ready", 1L);
                }
                assertThat(slow.calls.get()).as("one refresher at a time").isEqualTo(2);
            } finally {
                slow.gate.countDown(); // a failing run must not leave readers blocked for ever
            }
            Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> readers.submit(cached::byState).get().get("ready") >= 2L);
        }
        assertThat(slow.ranOnVirtual).as("counted on a virtual thread").isFalse();
    }

    @Test
    void theFirstReadWaitsForTheFirstValueWithoutAnyLock() throws Exception {
        SlowCounts slow = new SlowCounts();
        slow.gate = new CountDownLatch(1);
        AdminServer.QueueCounts cached = Counts.cached(slow, Duration.ofSeconds(3));
        CompletableFuture<Map<String, Long>> a = CompletableFuture.supplyAsync(cached::byState);
        CompletableFuture<Map<String, Long>> b = CompletableFuture.supplyAsync(cached::byState);
        slow.gate.countDown();
        assertThat(a.get(5, TimeUnit.SECONDS)).isEqualTo(b.get(5, TimeUnit.SECONDS));
        assertThat(slow.calls.get()).isEqualTo(1);
        assertThat(slow.ranOnVirtual).isFalse();
    }
}
