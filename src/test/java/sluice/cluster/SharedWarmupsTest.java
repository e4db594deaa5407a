package sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sluice.config.ClusterConfig;
import sluice.config.EgressConfig;
import sluice.config.ShapingConfig;
import sluice.shaping.Warmups;
import sluice.testkit.MutableClock;
import sluice.testkit.RedisServer;

/**
 * The fleet's warm-up ledger against a real redis-server: a daily cap holds for two nodes together (each alone
 * would send it), the day advances once for the fleet, and with Redis gone each node keeps to its share of what
 * was left.
 */
class SharedWarmupsTest {
    private static final Map<String, ShapingConfig.Warmup> SCHEDULES = Map.of(
            "ramp", new ShapingConfig.Warmup("ramp", List.of(100, 200, 300), "used"));
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));
    private final List<AutoCloseable> open = new ArrayList<>();
    private RedisServer redis;

    @BeforeEach
    void redis() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        redis = RedisServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
        if (redis != null) redis.close();
    }

    /** A store in memory, as the spool's "state" family behaves for one process. */
    static final class MemoryStore implements Warmups.Store {
        final TreeMap<String, byte[]> saved = new TreeMap<>();

        public synchronized Map<String, byte[]> read(String prefix) {
            return new TreeMap<>(saved.subMap(prefix, prefix + Character.MAX_VALUE));
        }

        public synchronized void write(Map<String, byte[]> entries) {
            saved.putAll(entries);
        }
    }

    private record Node(Cluster cluster, Warmups local, SharedWarmups ledger) {}

    private Node node(String name) throws Exception {
        Cluster c = Cluster.start(new ClusterConfig(redis.url(), List.of(), "", null, null, null, false,
                Duration.ofMillis(100)), name, () -> 0, () -> null, clock);
        open.add(c);
        EgressConfig egress = new EgressConfig(List.of(new EgressConfig.Source("ip1", "127.0.0.2", "o.test", "ramp", null)),
                List.of(), null, Map.of(), Map.of());
        Warmups local = Warmups.open(egress, SCHEDULES, new MemoryStore());
        SharedWarmups ledger = SharedWarmups.start(local, c, clock);
        open.add(ledger);
        return new Node(c, local, ledger);
    }

    /**
     * Sends as the shaper would until the fleet's cap is used up: a message goes while the ledger says some remain,
     * else it waits for the next chunk; done when the ledger says "the next day".
     */
    private static long sendAll(SharedWarmups w, String group, MutableClock clock) throws InterruptedException {
        long sent = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            long now = clock.millis();
            if (w.remaining("ip1", group, now) > 0) {
                w.count("ip1", group, now);
                sent++;
            } else if (w.nextDay(now) >= (Math.floorDiv(now, SharedWarmups.DAY_MILLIS) + 1) * SharedWarmups.DAY_MILLIS) {
                return sent;
            } else {
                Thread.sleep(2); // waiting for the next chunk, as the scheduler's timer would
            }
        }
        throw new AssertionError("still sending after 20 s: " + sent);
    }

    private static long[] together(SharedWarmups a, SharedWarmups b, String group, MutableClock clock) throws Exception {
        long[] sent = new long[2];
        AtomicBoolean failed = new AtomicBoolean();
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread ta = Thread.ofPlatform().start(() -> {
            try {
                sent[0] = sendAll(a, group, clock);
            } catch (Throwable e) {
                errors.add(e);
                failed.set(true);
            }
        });
        Thread tb = Thread.ofPlatform().start(() -> {
            try {
                sent[1] = sendAll(b, group, clock);
            } catch (Throwable e) {
                errors.add(e);
                failed.set(true);
            }
        });
        ta.join();
        tb.join();
        assertThat(errors).isEmpty();
        return sent;
    }

    @Test
    void twoNodesTogetherSendTheCapOnceAndEachAloneWouldSendIt() throws Exception {
        Node a = node("node-a");
        Node b = node("node-b");
        assertThat(sendAll(a.ledger(), "alone-a", clock)).isEqualTo(100);
        assertThat(sendAll(b.ledger(), "alone-b", clock)).isEqualTo(100);
        long takesBefore = a.ledger().takes() + b.ledger().takes();
        long[] sent = together(a.ledger(), b.ledger(), "gmail", clock);
        assertThat(sent[0] + sent[1]).isEqualTo(100);
        System.out.printf("warm-up: 100 messages over two nodes (%d + %d) took %d take calls%n", sent[0], sent[1],
                a.ledger().takes() + b.ledger().takes() - takesBefore);
        assertThat(sent[0]).isPositive();
        assertThat(sent[1]).isPositive();
        assertThat(redis.cli("HGET", SharedWarmups.key("ip1", "gmail"), "taken")).isEqualTo("100");
        // the local copies show the fleet's count, not the node's own
        await().atMost(Duration.ofSeconds(2)).until(() -> a.ledger().views(clock.millis()).stream()
                .anyMatch(v -> v.group().equals("gmail") && v.sentToday() == 100));
    }

    @Test
    void theDayAdvancesOnceForTheFleetOnWhatTheFleetSent() throws Exception {
        Node a = node("node-a");
        Node b = node("node-b");
        // 50 from A and 40 from B: 90% of day 1's cap for the fleet, under 80% for either node alone
        for (int i = 0; i < 50; i++) sendOne(a.ledger());
        for (int i = 0; i < 40; i++) sendOne(b.ledger());
        a.ledger().close();
        b.ledger().close(); // give back what they hold: the fleet's count is what was sent
        assertThat(redis.cli("HGET", SharedWarmups.key("ip1", "gmail"), "taken")).isEqualTo("90");
        clock.advance(Duration.ofDays(1));
        SharedWarmups a2 = SharedWarmups.start(a.local(), a.cluster(), clock);
        SharedWarmups b2 = SharedWarmups.start(b.local(), b.cluster(), clock);
        open.add(a2);
        open.add(b2);
        long[] sent = together(a2, b2, "gmail", clock);
        assertThat(sent[0] + sent[1]).isEqualTo(200); // day 2's cap, for both together
        assertThat(a2.views(clock.millis())).singleElement().satisfies(v -> assertThat(v.day()).isEqualTo(2));
        assertThat(b2.views(clock.millis())).singleElement().satisfies(v -> assertThat(v.day()).isEqualTo(2));
    }

    private void sendOne(SharedWarmups w) {
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(1))
                .until(() -> w.remaining("ip1", "gmail", clock.millis()) > 0);
        w.count("ip1", "gmail", clock.millis());
    }

    @Test
    void withRedisGoneEachNodeKeepsToItsShareOfWhatWasLeftAndNothingIsSentTwiceAfter() throws Exception {
        Node a = node("node-a");
        Node b = node("node-b");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.cluster().membership().alive() == 2
                && b.cluster().membership().alive() == 2);
        for (int i = 0; i < 20; i++) sendOne(a.ledger());
        for (int i = 0; i < 20; i++) sendOne(b.ledger());
        // each node refreshes its view of the fleet's count every second while in use: wait until both know it
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            clock.advance(Duration.ofMillis(SharedWarmups.REFRESH_MILLIS + 100));
            String taken = redis.cli("HGET", SharedWarmups.key("ip1", "gmail"), "taken");
            return taken.equals(String.valueOf(a.ledger().fleetTaken("ip1", "gmail")))
                    && taken.equals(String.valueOf(b.ledger().fleetTaken("ip1", "gmail")));
        });
        redis.kill();
        await().atMost(Duration.ofSeconds(3)).until(() -> a.cluster().health().degraded() && b.cluster().health().degraded());
        long degradedA = drain(a.ledger());
        long degradedB = drain(b.ledger());
        // 40 sent before: the fleet may send the other 60 at most, half each with what each held
        assertThat(40 + degradedA + degradedB).isLessThanOrEqualTo(100);
        assertThat(degradedA).isGreaterThanOrEqualTo(25);
        assertThat(degradedB).isGreaterThanOrEqualTo(25);

        redis.restart(); // empty: the row comes back from the nodes' copies
        await().atMost(Duration.ofSeconds(10)).until(() -> a.cluster().health().shared() && b.cluster().health().shared());
        long[] after = together(a.ledger(), b.ledger(), "gmail", clock);
        long total = 40 + degradedA + degradedB + after[0] + after[1];
        assertThat(total).isLessThanOrEqualTo(100);
        // what each node sent alone reached the restarted Redis (the copy of the row and the degraded sends)
        assertThat(Long.parseLong(redis.cli("HGET", SharedWarmups.key("ip1", "gmail"), "taken")))
                .isGreaterThanOrEqualTo(total);
    }

    /** Sends while the ledger allows, without waiting. */
    private long drain(SharedWarmups w) {
        long n = 0;
        while (w.remaining("ip1", "gmail", clock.millis()) > 0 && n < 1000) {
            w.count("ip1", "gmail", clock.millis());
            n++;
        }
        return n;
    }
}
