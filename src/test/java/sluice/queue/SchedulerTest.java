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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.delivery.Job;
import sluice.delivery.Outcome;
import sluice.delivery.Router;
import sluice.smtp.Addresses;
import sluice.delivery.Transport;
import sluice.observe.DeliveryLog;
import sluice.spool.Envelope;
import sluice.spool.Recipient;
import sluice.spool.Spool;
import sluice.testkit.MutableClock;

class SchedulerTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final RetryPolicy policy = new RetryPolicy(List.of(Duration.ofMinutes(5), Duration.ofMinutes(10)),
            Duration.ofHours(1), Duration.ofMinutes(20));
    private final List<List<Notices.Notice>> dsns = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private Spool spool;
    private DeliveryLog log;
    private Scheduler scheduler;

    /** Scripted remote behaviour per recipient local part: ok, defer, bounce, deferNtimes-then-ok ("flaky2"). */
    private final Transport transport = (Job job, byte[] data) -> {
        List<Outcome> out = new ArrayList<>();
        for (Recipient r : job.recipients()) {
            int n = attempts.computeIfAbsent(r.address(), k -> new AtomicInteger()).incrementAndGet();
            String local = Addresses.localPartOf(r.address());
            if (local.equals("crash")) throw new StackOverflowError("scripted");
            int code = switch (local) {
                case "ok" -> 250;
                case "bounce" -> 550;
                case "defer" -> 451;
                default -> local.startsWith("flaky") && n > Integer.parseInt(local.substring(5)) ? 250 : 451;
            };
            onWorker(() -> assertThat(new String(data, StandardCharsets.US_ASCII)).startsWith("Subject: t"));
            out.add(new Outcome(r.address(), Outcome.resultOf(code), code, code == 250 ? "2.0.0" : code == 550 ? "5.1.1" : "4.4.1",
                    "scripted", "mx.remote.test", "127.0.0.9", 25, "TLSv1.3", 3));
        }
        return out;
    };

    private void start() throws Exception {
        spool = Spool.open(dir.resolve("spool"), 0);
        log = DeliveryLog.open(dir.resolve("delivery.jsonl"));
        scheduler = new Scheduler(spool, new Router(List.of("local.test"), List.of()), transport, policy,
                (m, list) -> dsns.add(list), log, clock, new Scheduler.Settings(4, 1000));
        scheduler.start();
    }

    private void stop() {
        scheduler.close();
        log.close();
        spool.close();
    }

    @AfterEach
    void tearDown() {
        if (spool != null) stop();
        rethrowWorkerFailure();
    }

    private String submit(String sender, String... rcpts) throws Exception {
        String id = spool.newId();
        List<Recipient> rs = java.util.Arrays.stream(rcpts).map(r -> Recipient.pending(r, null, null)).toList();
        spool.commit(id, new Envelope(sender, rs, clock.instant(), 12, Map.of()), "Subject: t\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII));
        scheduler.enqueue(id);
        return id;
    }

    /** Failures of checks that ran on a delivery worker, rethrown on the test thread (else they are a timeout). */
    private final List<Throwable> workerFailures = new CopyOnWriteArrayList<>();

    private void onWorker(Runnable check) {
        try {
            check.run();
        } catch (AssertionError e) {
            workerFailures.add(e); // not rethrown: the worker carries on and the test thread reports it at once
        }
    }

    private void rethrowWorkerFailure() {
        if (!workerFailures.isEmpty()) throw new AssertionError("a check on a delivery worker failed", workerFailures.get(0));
    }

    /** Polls until {@code condition}; a worker's failure ends the wait at once with that failure. */
    private void await(BooleanSupplier condition) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                .until(() -> {
                    rethrowWorkerFailure();
                    return condition.getAsBoolean();
                });
    }

    /** Moves the clock and waits until every message due by then has had its round (none ready, none active). */
    private void passTime(Duration d) {
        await(() -> scheduler.active() == 0);
        clock.advance(d);
        scheduler.wake();
        await(() -> scheduler.countsByState().get("ready") == 0 && scheduler.active() == 0);
    }

    private List<JsonNode> logLines() throws Exception {
        log.close();
        List<JsonNode> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(dir.resolve("delivery.jsonl"))) out.add(json.readTree(line));
        log = DeliveryLog.open(dir.resolve("delivery.jsonl"));
        return out;
    }

    @Test
    void everyRecipientEndsInExactlyOneFinalStateAndEachFailureRoundGivesOneDsn() throws Exception {
        start();
        String a = submit("s@src.test", "ok@a.test", "bounce@a.test", "flaky2@b.test");
        String b = submit("s@src.test", "defer@c.test");
        String c = submit("", "bounce@a.test"); // null sender: never a DSN
        // four addresses, bounce@a.test tried once for a and once for c (else c's round may not have started yet)
        await(() -> attempts.size() == 4 && attempts.get("bounce@a.test").get() == 2 && scheduler.active() == 0);

        assertThat(spool.find(c)).isEmpty();
        assertThat(spool.find(a).orElseThrow().state().nextAttempt()).isAfter(clock.instant());
        for (int i = 0; i < 10; i++) passTime(Duration.ofMinutes(11)); // past the 1 h lifetime
        await(() -> scheduler.idle());

        assertThat(spool.find(a)).isEmpty();
        assertThat(spool.find(b)).isEmpty();
        assertThat(attempts.get("flaky2@b.test")).hasValue(3);
        List<JsonNode> lines = logLines();
        Map<String, List<String>> finals = new HashMap<>();
        for (JsonNode n : lines) {
            String event = n.path("event").asText();
            if (List.of("delivered", "bounced", "expired").contains(event)) {
                finals.computeIfAbsent(n.path("queue_id").asText() + "/" + n.path("recipient").asText(), k -> new ArrayList<>())
                        .add(event);
            }
        }
        assertThat(finals).containsOnly(
                Map.entry(a + "/ok@a.test", List.of("delivered")),
                Map.entry(a + "/bounce@a.test", List.of("bounced")),
                Map.entry(a + "/flaky2@b.test", List.of("delivered")),
                Map.entry(b + "/defer@c.test", List.of("expired")),
                Map.entry(c + "/bounce@a.test", List.of("bounced")));
        assertThat(lines).filteredOn(n -> n.path("event").asText().equals("deferred")).isNotEmpty()
                .allSatisfy(n -> assertThat(n.path("code").asInt()).isEqualTo(451));
        JsonNode bounced = lines.stream().filter(n -> n.path("event").asText().equals("bounced")).findFirst().orElseThrow();
        assertThat(bounced.path("remote_host").asText()).isEqualTo("mx.remote.test");
        assertThat(bounced.path("enhanced_code").asText()).isEqualTo("5.1.1");
        assertThat(bounced.path("attempt").asInt()).isEqualTo(1);

        // One DSN for a's bounce, one delay warning for b (20 min), one expiry DSN for b; none for c.
        List<String> kinds = dsns.stream().map(l -> l.get(0).kind() + ":" + l.get(0).recipient().address()).toList();
        assertThat(kinds).containsExactlyInAnyOrder("FAILED:bounce@a.test", "DELAYED:defer@c.test", "FAILED:defer@c.test");
        assertThat(dsns).allSatisfy(l -> assertThat(l).hasSize(1));
    }

    @Test
    void retriesFollowTheScheduleWithJitterAndStopAtTheLifetime() {
        var random = java.util.random.RandomGenerator.of("L64X128MixRandom");
        Instant received = Instant.parse("2026-12-01T10:00:00Z");
        for (int i = 0; i < 200; i++) {
            Instant next = policy.next(received, received, 1, random);
            assertThat(Duration.between(received, next)).isBetween(Duration.ofSeconds(270), Duration.ofSeconds(330));
            Instant later = policy.next(received, received.plusSeconds(600), 5, random); // last interval repeats
            assertThat(Duration.between(received.plusSeconds(600), later)).isBetween(Duration.ofSeconds(540), Duration.ofSeconds(660));
        }
        assertThat(policy.next(received, received.plus(Duration.ofMinutes(55)), 2, random)).isEqualTo(received.plus(Duration.ofHours(1)));
        assertThat(policy.next(received, received.plus(Duration.ofHours(1)), 2, random)).isNull();
    }

    @Test
    void holdKeepsAMessageOutOfDeliveryUntilReleasedAcrossRestarts() throws Exception {
        start();
        String id = submit("s@src.test", "defer@a.test");
        await(() -> attempts.containsKey("defer@a.test") && scheduler.active() == 0);
        assertThat(scheduler.hold(id)).isInstanceOf(QueueOpResult.Done.class);
        passTime(Duration.ofMinutes(15));
        assertThat(attempts.get("defer@a.test")).hasValue(1);

        stop();
        start(); // the held state and the index come back from the spool
        assertThat(scheduler.size()).isEqualTo(1);
        passTime(Duration.ofMinutes(15));
        assertThat(attempts.get("defer@a.test")).hasValue(1);
        assertThat(scheduler.release(id)).isInstanceOf(QueueOpResult.Done.class);
        await(() -> attempts.get("defer@a.test").get() == 2);
        await(() -> scheduler.active() == 0);
        assertThat(scheduler.retry(id)).isEqualTo(new QueueOpResult.Done("scheduled now"));
        await(() -> attempts.get("defer@a.test").get() == 3);
        await(() -> scheduler.active() == 0);
        assertThat(scheduler.delete(id)).isEqualTo(new QueueOpResult.Done("deleted"));
        assertThat(spool.find(id)).isEmpty();
        assertThat(scheduler.delete(id)).isInstanceOf(QueueOpResult.NotFound.class);
        assertThat(logLines()).extracting(n -> n.path("event").asText()).contains("held", "released", "deleted");
    }

    @Test
    void anErrorInADeliveryIsADeferralNotAMessageActiveForever() throws Exception {
        start();
        String id = submit("s@src.test", "crash@a.test");
        await(() -> attempts.containsKey("crash@a.test") && scheduler.active() == 0);
        assertThat(spool.find(id)).isPresent();
        assertThat(logLines()).filteredOn(n -> n.path("event").asText().equals("deferred"))
                .extracting(n -> n.path("enhanced_code").asText()).containsExactly("4.3.0");
    }

    @Test
    void operatorBounceSendsOneDsnAndRemovesTheMessage() throws Exception {
        start();
        String id = submit("s@src.test", "defer@a.test", "defer@b.test");
        await(() -> attempts.size() == 2 && scheduler.active() == 0);
        assertThat(scheduler.bounce(id)).isInstanceOf(QueueOpResult.Done.class);
        assertThat(spool.find(id)).isEmpty();
        assertThat(dsns).hasSize(1);
        assertThat(dsns.get(0)).extracting(n -> n.recipient().address()).containsExactly("defer@a.test", "defer@b.test");
        assertThat(dsns.get(0).get(0).outcome().text()).contains("Bounced by the postmaster").contains("451 4.4.1 scripted");
    }

    @Test
    void oneMessageWithManyDestinationsIsSettledOnceAfterAllOfThem() throws Exception {
        start();
        String[] rcpts = new String[30];
        for (int i = 0; i < rcpts.length; i++) rcpts[i] = (i % 3 == 0 ? "bounce" : "ok") + "@d" + i + ".test";
        String id = submit("s@src.test", rcpts);
        await(() -> scheduler.idle());
        assertThat(spool.find(id)).isEmpty();
        assertThat(dsns).hasSize(1);
        assertThat(dsns.get(0)).hasSize(10);
    }

    @Test
    void eachDestinationGetsAtMostItsConnectionLimitAndASlowOneDoesNotHoldUpOthers() throws Exception {
        Map<String, AtomicInteger> active = new ConcurrentHashMap<>();
        Map<String, Integer> peak = new ConcurrentHashMap<>();
        java.util.concurrent.CountDownLatch slowGate = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger fastDone = new AtomicInteger();
        Transport gated = (job, data) -> {
            String key = job.destination().key();
            int now = active.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            peak.merge(key, now, Math::max);
            try {
                if (key.equals("slow.test")) slowGate.await();
                else Thread.sleep(5); // the subject: a fast destination's delivery takes a little time too
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            active.get(key).decrementAndGet();
            if (!key.equals("slow.test")) fastDone.incrementAndGet();
            return job.recipients().stream().map(r -> new Outcome(r.address(), Outcome.Result.DELIVERED, 250, "2.0.0", "ok",
                    null, null, 0, null, 1)).toList();
        };
        spool = Spool.open(dir.resolve("spool"), 0);
        log = DeliveryLog.open(dir.resolve("delivery.jsonl"));
        scheduler = new Scheduler(spool, new Router(List.of(), List.of()), gated, policy, (m, l) -> dsns.add(l), log, clock,
                new Scheduler.Settings(4, 1000));
        scheduler.start();
        for (int i = 0; i < 12; i++) submit("s@src.test", "x" + i + "@slow.test");
        for (int i = 0; i < 40; i++) submit("s@src.test", "y" + i + "@fast.test");
        await(() -> fastDone.get() == 40); // the fast domain finishes while the slow one is stuck
        assertThat(peak.get("slow.test")).isEqualTo(4);
        assertThat(peak.get("fast.test")).isLessThanOrEqualTo(4);
        slowGate.countDown();
        await(() -> scheduler.idle());
    }

    @Test
    void aDestinationKeyIsNotKeptOnceNoQueuedMessageGoesThere() throws Exception {
        start();
        String id = submit("s@src.test", "defer@gone.test");
        await(() -> scheduler.active() == 0 && attempts.size() == 1);
        await(() -> scheduler.destinationKeys(id) != null && scheduler.destinationKeys(id).length == 1);
        java.lang.ref.WeakReference<String> key = new java.lang.ref.WeakReference<>(scheduler.destinationKeys(id)[0]);
        assertThat(scheduler.delete(id)).isInstanceOf(QueueOpResult.Done.class);
        // Destinations are as many as the domains mail ever went to: the intern table must not keep them all.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            System.gc();
            return key.get() == null;
        });
    }

    @Test
    void anOperatorActionHoldsNoLockWhileItWorksOnTheSpool() throws Exception {
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch inAction = new java.util.concurrent.CountDownLatch(1);
        spool = Spool.open(dir.resolve("spool"), 0);
        log = DeliveryLog.open(dir.resolve("delivery.jsonl"));
        // The bounce's DSN is sent from inside the action: it stands for any slow spool call made there.
        Notices slowNotices = (m, list) -> {
            inAction.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        scheduler = new Scheduler(spool, new Router(List.of("local.test"), List.of()), transport, policy, slowNotices, log,
                clock, new Scheduler.Settings(4, 1000));
        scheduler.start();
        String id = submit("s@src.test", "defer@slow.test");
        await(() -> scheduler.active() == 0 && attempts.size() == 1);
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var bounce = pool.submit(() -> scheduler.bounce(id));
            assertThat(inAction.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            try {
                // The counts (API, metrics), another action and the timer must not wait for it.
                assertThat(pool.submit(scheduler::countsByState).get(2, java.util.concurrent.TimeUnit.SECONDS)).isNotEmpty();
                assertThat(pool.submit(() -> scheduler.hold(id)).get(2, java.util.concurrent.TimeUnit.SECONDS))
                        .isInstanceOf(QueueOpResult.Busy.class);
            } finally {
                gate.countDown();
            }
            assertThat(bounce.get(5, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(QueueOpResult.Done.class);
        }
        assertThat(spool.find(id)).isEmpty();
        assertThat(scheduler.size()).isZero();
    }
}
