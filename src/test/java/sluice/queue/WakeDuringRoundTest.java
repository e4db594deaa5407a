package sluice.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.bounce.BounceClassifier;
import sluice.config.ShapingConfig;
import sluice.delivery.EgressPools;
import sluice.delivery.Job;
import sluice.delivery.Outcome;
import sluice.delivery.Router;
import sluice.delivery.Transport;
import sluice.observe.DeliveryLog;
import sluice.shaping.LaneState;
import sluice.shaping.Shaper;
import sluice.shaping.SourceHealth;
import sluice.shaping.WarmupLedger;
import sluice.spool.Envelope;
import sluice.spool.Recipient;
import sluice.spool.Spool;
import sluice.testkit.MutableClock;

/**
 * A job told to wait for a connection is woken when one frees; when the wake comes while its message is still in
 * its round (a cluster lease granted a millisecond later, the message's other job still sending), the wake is kept
 * and the message is due as soon as the round ends — not at the 30 s backstop (the clock here never gets there).
 */
class WakeDuringRoundTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));
    private final List<String> delivered = new CopyOnWriteArrayList<>();
    private final CountDownLatch woken = new CountDownLatch(1);
    private Spool spool;
    private DeliveryLog log;
    private Scheduler scheduler;

    /** A shared store whose first connection is granted in the background, just after the lane was told no. */
    private final class LateGrant implements LaneState {
        private int held;
        private boolean asked;
        private volatile Runnable wake = () -> {};

        public Slot reserveMessage(long now, long intervalNanos, int burst) {
            return new Firm(now);
        }

        public void restartMessages(long now, long intervalNanos) {}

        public long reserveConnection(long now, long intervalNanos, int burst) {
            return now;
        }

        public synchronized boolean acquireConnection(int limit) {
            if (!asked) {
                asked = true;
                Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep(50); // the lane has parked the job by now; its round is still running
                    } catch (InterruptedException e) {
                        return;
                    }
                    wake.run();
                    woken.countDown();
                });
                return false;
            }
            held++;
            return true;
        }

        public synchronized void releaseConnection() {
            if (held > 0) held--;
        }

        public synchronized int connectionsHeld() {
            return held;
        }

        @Override
        public void onFree(Runnable wake) {
            this.wake = wake;
        }
    }

    @AfterEach
    void tearDown() {
        if (scheduler != null) scheduler.close();
        if (log != null) log.close();
        if (spool != null) spool.close();
    }

    @Test
    void aWakeThatComesWhileTheRoundRunsIsKept() throws Exception {
        spool = Spool.open(dir.resolve("spool"), 0);
        log = DeliveryLog.open(dir.resolve("delivery.jsonl"));
        ShapingConfig.Rule one = new ShapingConfig.Rule("shaped.test", "shaped", 1, 0, null, null, null, true,
                Duration.ofHours(1), "test:1");
        Shaper shaper = new Shaper(new ShapingConfig(List.of(one), Map.of()), EgressPools.none(), d -> List.of(),
                WarmupLedger.NONE, SourceHealth.ALL, new BounceClassifier(), log, clock,
                () -> clock.millis() * 1_000_000L, RandomGenerator.getDefault(), Duration.ofSeconds(60),
                (source, group) -> group.contains("shaped") ? new LateGrant() : LaneState.Factory.LOCAL.open(source, group));
        // the other job of the message holds its round open until the wake has come
        Transport transport = (Job job, byte[] data) -> {
            if (job.destination().key().equals("block.test")) {
                try {
                    assertThat(woken.await(10, TimeUnit.SECONDS)).isTrue();
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            List<Outcome> out = new ArrayList<>();
            for (Recipient r : job.recipients()) {
                delivered.add(r.address());
                out.add(new Outcome(r.address(), Outcome.Result.DELIVERED, 250, "2.0.0", "ok", "mx.test", "127.0.0.9",
                        25, null, 1));
            }
            return out;
        };
        scheduler = new Scheduler(spool, new Router(List.of("local.test"), List.of()), transport,
                new RetryPolicy(List.of(Duration.ofMinutes(5)), Duration.ofMinutes(30), Duration.ofHours(4)),
                (m, list) -> {}, log, clock, new Scheduler.Settings(4, 1000), Scheduler.Suppressed.NONE,
                new BounceClassifier(), shaper);
        scheduler.start();
        String id = spool.newId();
        spool.commit(id, new Envelope("s@src.test", List.of(Recipient.pending("a@shaped.test", null, null),
                Recipient.pending("b@block.test", null, null)), clock.instant(), 12, Map.of()),
                "Subject: t\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII));
        scheduler.enqueue(id);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> delivered.size() == 2);
        assertThat(delivered).containsExactlyInAnyOrder("a@shaped.test", "b@block.test");
    }
}
