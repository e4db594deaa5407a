package sluice.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.delivery.Outcome;
import sluice.delivery.Router;
import sluice.delivery.Transport;
import sluice.observe.DeliveryLog;
import sluice.spool.Envelope;
import sluice.spool.QueueState;
import sluice.spool.Recipient;
import sluice.spool.RecipientState;
import sluice.spool.Spool;
import sluice.spool.SpoolDamage;
import sluice.spool.SpoolException;
import sluice.testkit.MutableClock;

/**
 * A start with a queue already in the spool: the index is rebuilt from the scheduling facts alone (on several
 * threads), and every message comes back with its next-attempt time, its held flag and only its pending recipients.
 */
class SchedulerRestartTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final Transport transport = (job, data) -> job.recipients().stream().map(r -> {
        attempts.computeIfAbsent(job.queueId() + "/" + r.address(), k -> new AtomicInteger()).incrementAndGet();
        return new Outcome(r.address(), Outcome.Result.DELIVERED, 250, "2.0.0", "ok", null, null, 0, null, 1);
    }).toList();
    private Spool spool;
    private DeliveryLog log;
    private Scheduler scheduler;

    private Scheduler scheduler() throws Exception {
        log = DeliveryLog.open(dir.resolve("delivery.jsonl"));
        scheduler = new Scheduler(spool, new Router(List.of(), List.of()), transport,
                new RetryPolicy(List.of(Duration.ofMinutes(5)), Duration.ofDays(5), Duration.ofDays(1)),
                (m, l) -> {}, log, clock, new Scheduler.Settings(4, 1000));
        return scheduler;
    }

    @AfterEach
    void close() {
        if (scheduler != null) scheduler.close();
        if (log != null) log.close();
        if (spool != null) spool.close();
    }

    private String store(QueueState state, Recipient... rcpts) throws Exception {
        String id = spool.newId();
        spool.commit(id, new Envelope("s@src.test", List.of(rcpts), clock.instant(), 4, Map.of()), state,
                "Subject: t\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII));
        return id;
    }

    private static Recipient pending(String a) {
        return Recipient.pending(a, null, null);
    }

    private void passTime(Duration d) {
        clock.advance(d);
        scheduler.wake();
    }

    @Test
    void everyQueuedMessageComesBackAtItsOwnNextAttemptWithOnlyItsPendingRecipients() throws Exception {
        spool = Spool.open(dir.resolve("spool"), 0);
        Instant now = clock.instant();
        // many deferred messages, so the scan is cut into parts on a machine with several cores
        List<String> later = new java.util.ArrayList<>();
        for (int i = 0; i < 3_000; i++) later.add(store(new QueueState(false, now.plus(Duration.ofMinutes(30 + i % 20)), 1, "451"),
                pending("a" + i + "@d" + (i % 7) + ".test")));
        String overdue = store(new QueueState(false, now.minusSeconds(60), 2, "451"),
                new Recipient("done@x.test", null, null, RecipientState.DELIVERED, 1, null),
                new Recipient("gone@x.test", null, null, RecipientState.BOUNCED, 1, "550"), pending("left@y.test"));
        String fresh = store(QueueState.NEW, pending("new@z.test"));
        String held = store(new QueueState(true, now.minusSeconds(60), 1, "451"), pending("held@h.test"));

        assertThat(scheduler().start()).isEqualTo(3_003);
        assertThat(scheduler.size()).isEqualTo(3_003);
        assertThat(scheduler.destinationKeys(overdue)).containsExactly("y.test");
        assertThat(scheduler.destinationKeys(later.get(8))).containsExactly("d1.test");
        assertThat(scheduler.countsByState()).containsEntry("held", 1L).containsEntry("scheduled", 3_000L);

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.size() == 3_001 && scheduler.active() == 0);
        assertThat(attempts).containsOnlyKeys(overdue + "/left@y.test", fresh + "/new@z.test");

        passTime(Duration.ofMinutes(30)); // the first of the deferred are due, the rest not yet
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.size() == 3_001 - 150 && scheduler.active() == 0);
        passTime(Duration.ofMinutes(20));
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> scheduler.size() == 1 && scheduler.active() == 0);
        assertThat(attempts).hasSize(3_002).allSatisfy((k, n) -> assertThat(n).hasValue(1));
        assertThat(spool.find(held)).isPresent();
    }

    @Test
    void aDamagedEnvelopeStopsTheStartAndIsNamed() throws Exception {
        spool = Spool.open(dir.resolve("spool"), 0);
        String bad = null;
        for (int i = 0; i < 500; i++) {
            String id = store(new QueueState(false, clock.instant().plusSeconds(600), 1, "451"), pending("a@b.test"));
            if (i == 321) bad = id;
        }
        SpoolDamage.putRawEnvelope(spool, bad, "{\"v\":1,\"rcpts\":[{\"addr\":\"a@b.test\",\"state\":\"PEND".getBytes(StandardCharsets.US_ASCII));
        String named = bad;
        assertThatThrownBy(() -> scheduler().start()).isInstanceOf(SpoolException.class)
                .hasMessageContaining("message " + named + ": unreadable envelope");
    }
}
