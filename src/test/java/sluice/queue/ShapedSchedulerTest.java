package sluice.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.bounce.BounceClassifier;
import sluice.config.Rate;
import sluice.config.ShapingConfig;
import sluice.delivery.EgressPools;
import sluice.delivery.Job;
import sluice.delivery.Outcome;
import sluice.delivery.Router;
import sluice.delivery.Transport;
import sluice.observe.DeliveryLog;
import sluice.shaping.Shaper;
import sluice.shaping.SourceHealth;
import sluice.shaping.WarmupLedger;
import sluice.spool.Envelope;
import sluice.spool.Recipient;
import sluice.spool.Spool;
import sluice.testkit.MutableClock;

/** The queue with shaping: held-back jobs are not attempts, hold nothing, and still expire on time. */
class ShapedSchedulerTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));
    private final RetryPolicy policy = new RetryPolicy(List.of(Duration.ofMinutes(5)), Duration.ofMinutes(30),
            Duration.ofHours(4));
    private final List<String> delivered = new CopyOnWriteArrayList<>();
    private final List<List<Notices.Notice>> dsns = new CopyOnWriteArrayList<>();
    private Spool spool;
    private DeliveryLog log;
    private Scheduler scheduler;
    private Shaper shaper;

    private final Transport transport = (Job job, byte[] data) -> {
        List<Outcome> out = new ArrayList<>();
        for (Recipient r : job.recipients()) {
            delivered.add(r.address());
            out.add(new Outcome(r.address(), Outcome.Result.DELIVERED, 250, "2.0.0", "ok", "mx.test", "127.0.0.9", 25,
                    null, 1));
        }
        return out;
    };

    private void start() throws Exception {
        spool = Spool.open(dir.resolve("spool"), 0);
        log = DeliveryLog.open(dir.resolve("delivery.jsonl"));
        ShapingConfig.Rule slow = new ShapingConfig.Rule("slow.test", "slow", 0, 0, Rate.parse("1/min"), null, null,
                true, Duration.ofHours(1), "test:1");
        shaper = new Shaper(new ShapingConfig(List.of(slow), Map.of()), EgressPools.none(), d -> List.of(),
                WarmupLedger.NONE, SourceHealth.ALL, new BounceClassifier(), log, clock,
                () -> clock.millis() * 1_000_000L, RandomGenerator.getDefault(), Duration.ofSeconds(60));
        scheduler = new Scheduler(spool, new Router(List.of("local.test"), List.of()), transport, policy,
                (m, list) -> dsns.add(list), log, clock, new Scheduler.Settings(4, 1000), Scheduler.Suppressed.NONE,
                new BounceClassifier(), shaper);
        scheduler.start();
    }

    @AfterEach
    void tearDown() {
        if (scheduler != null) scheduler.close();
        if (log != null) log.close();
        if (spool != null) spool.close();
    }

    private String submit(String rcpt) throws Exception {
        String id = spool.newId();
        spool.commit(id, new Envelope("s@src.test", List.of(Recipient.pending(rcpt, null, null)), clock.instant(), 12,
                Map.of()), "Subject: t\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII));
        scheduler.enqueue(id);
        return id;
    }

    private void await(BooleanSupplier condition) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                .until(condition::getAsBoolean);
    }

    private void settled() {
        await(() -> scheduler.active() == 0 && scheduler.countsByState().get("ready") == 0);
    }

    private List<JsonNode> logLines() throws Exception {
        log.close();
        List<JsonNode> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(dir.resolve("delivery.jsonl"))) out.add(json.readTree(line));
        return out;
    }

    @Test
    void heldBackMessagesAreNotAttemptsAndGoOneAtTheirSlot() throws Exception {
        start();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) ids.add(submit("r" + i + "@slow.test"));
        String other = submit("x@fast.test");
        await(() -> delivered.size() == 2);
        settled();
        // which of the three queued together takes the first slot is the workers' race; exactly one does
        assertThat(delivered).contains("x@fast.test").filteredOn(a -> a.endsWith("@slow.test")).hasSize(1);
        String first = delivered.stream().filter(a -> a.endsWith("@slow.test")).findFirst().orElseThrow();
        // the two held back: still queued, no attempt counted, nothing written about them, due at their slots
        assertThat(scheduler.size()).isEqualTo(2);
        for (int i = 0; i < 3; i++) {
            if (first.equals("r" + i + "@slow.test")) continue;
            assertThat(spool.find(ids.get(i)).orElseThrow().state().attempts()).isZero();
        }
        assertThat(scheduler.countsByState()).containsEntry("scheduled", 2L).containsEntry("active", 0L);
        clock.advance(Duration.ofSeconds(60));
        scheduler.wake();
        await(() -> delivered.size() == 3);
        settled();
        assertThat(scheduler.size()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(60));
        scheduler.wake();
        await(() -> delivered.size() == 4);
        assertThat(delivered).containsExactlyInAnyOrder("r0@slow.test", "x@fast.test", "r1@slow.test",
                "r2@slow.test");
        await(() -> scheduler.idle());
        assertThat(logLines()).extracting(n -> n.path("event").asText()).containsOnly("delivered")
                .hasSize(4);
        assertThat(other).isNotNull();
    }

    @Test
    void heldBackMessagesExpireAtTheirLifetimeNotLater() throws Exception {
        start();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) ids.add(submit("r" + i + "@slow.test")); // 40 minutes' worth at 1/min
        await(() -> delivered.size() == 1);
        settled();
        // ten minutes pass, a minute at a time: one more each minute
        for (int m = 0; m < 10; m++) {
            clock.advance(Duration.ofMinutes(1));
            scheduler.wake();
            int expected = m + 2;
            await(() -> delivered.size() == expected);
            settled();
        }
        // the lifetime (30 min) ends while 29 still wait for slots up to 40 minutes away: they expire at 30 min
        clock.advance(Duration.ofMinutes(20));
        scheduler.wake();
        await(() -> scheduler.idle());
        List<JsonNode> lines = logLines();
        assertThat(lines).filteredOn(n -> n.path("event").asText().equals("expired")).hasSize(40 - delivered.size());
        assertThat(lines).filteredOn(n -> n.path("event").asText().equals("deferred")).isEmpty();
        assertThat(dsns).hasSize(40 - delivered.size());
        // the slot at minute 30 may still be used; slots missed by a clock jump are not used all at once
        assertThat(delivered.size()).isBetween(11, 13);
    }
}
