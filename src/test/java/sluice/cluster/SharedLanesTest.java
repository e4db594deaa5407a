package sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sluice.delivery.Outcome;
import sluice.shaping.Admission;
import sluice.shaping.LaneView;
import sluice.testkit.RedisServer;

/**
 * Shaping lanes shared through one real redis-server by two or three nodes in this JVM: one rate and one
 * connection limit for the fleet, a dead node's leases lapse, a backoff on one node slows the others, and while
 * Redis is gone each node keeps to its share.
 */
class SharedLanesTest {
    private static final long SECOND = 1_000_000_000L;
    private RedisServer redis;
    private LaneNodes nodes;

    @BeforeEach
    void redis() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        redis = RedisServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (nodes != null) nodes.close();
        if (redis != null) redis.close();
    }

    private LaneNodes nodes(int connections, String rate, String... names) throws Exception {
        nodes = new LaneNodes(LaneNodes.config(redis.url(), List.of()), LaneNodes.rule(connections, rate),
                Duration.ofSeconds(60), names);
        await().atMost(Duration.ofSeconds(5)).until(() -> nodes.clusters.getFirst().membership().alive() == names.length);
        return nodes;
    }

    private long calls() {
        return nodes.clusters.stream().mapToLong(c -> c.redis().calls()).sum();
    }

    @Test
    void twoNodesHoldOneRateBetweenThem() throws Exception {
        nodes(0, "20/s", "node-a", "node-b");
        long calls = calls();
        long start = System.nanoTime();
        nodes.run(10, Duration.ZERO);
        Thread.sleep(6000);
        nodes.stopWorkers();
        long from = start + SECOND;
        long to = start + 6 * SECOND;
        long sent = nodes.sentBetween(from, to, -1);
        // 20/s over 5 s, plus at most one burst (2) and the tokens' validity (0.2 s: 4)
        assertThat(sent).as("messages in 5 s at 20/s for the fleet").isLessThanOrEqualTo(106).isGreaterThan(70);
        assertThat(nodes.sentBetween(from, to, 0)).as("node a sent some").isPositive();
        assertThat(nodes.sentBetween(from, to, 1)).as("node b sent some").isPositive();
        // every one-second window holds too (the limit is not only an average)
        for (long t = from; t + SECOND <= to; t += SECOND / 4) {
            assertThat(nodes.sentBetween(t, t + SECOND, -1)).as("one second from %d ms", (t - start) / 1_000_000)
                    .isLessThanOrEqualTo(20 + 2 + 4);
        }
        long all = nodes.sent.size();
        System.out.printf("shared rate: %d sent in 5 s, %.2f Redis calls per message (heartbeats included)%n", sent,
                (calls() - calls) / (double) all);
    }

    @Test
    void threeNodesHoldOneConnectionLimit() throws Exception {
        nodes(3, null, "node-a", "node-b", "node-c");
        nodes.run(4, Duration.ofMillis(50));
        Thread.sleep(5000);
        nodes.stopWorkers();
        assertThat(nodes.maxOpen.get()).as("connections open at once across the fleet").isLessThanOrEqualTo(3);
        assertThat(nodes.maxOpen.get()).isEqualTo(3);
        // three leases of 50 ms each: up to 60/s; leases move between nodes, so loosely
        assertThat(nodes.sent.size()).as("attempts in 5 s").isGreaterThan(60);
        System.out.printf("connection limit 3: %d attempts in 5 s%n", nodes.sent.size());
    }

    @Test
    void aDeadNodesLeasesLapseAndAnotherNodeTakesThem() throws Exception {
        nodes(2, null, "node-a", "node-b");
        nodes.run(0, 2, Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(3)).until(() -> nodes.openPerNode.get(0).get() == 2);
        // node a dies: no more renewals, no release
        nodes.stores.get(0).halt();
        nodes.clusters.get(0).close();
        long died = System.nanoTime();
        nodes.run(1, 2, Duration.ofMillis(100));
        await().atMost(Duration.ofSeconds(14)).until(() -> nodes.sentBetween(died, Long.MAX_VALUE, 1) > 0);
        long first = nodes.sent.stream().filter(s -> s[1] == 1).mapToLong(s -> s[0]).min().orElseThrow();
        double after = (first - died) / 1e9;
        // its leases were renewed at most 0.3 s before it died and last 10 s
        assertThat(after).as("seconds until node b got a lease").isBetween(9.0, 11.5);
        System.out.printf("a dead node's leases taken after %.1f s%n", after);
    }

    @Test
    void leasesHeldLongerThanTheirTtlStayHeldAndAFreedOneIsTakenWithinASecond() throws Exception {
        nodes(2, null, "node-a", "node-b");
        // node a holds both connections for 12 s (longer than a lease lasts unrenewed), one job per worker
        nodes.run(0, 2, Duration.ofSeconds(12), 1);
        await().atMost(Duration.ofSeconds(3)).until(() -> nodes.openPerNode.get(0).get() == 2);
        nodes.run(1, 2, Duration.ofMillis(100));
        await().atMost(Duration.ofSeconds(16)).until(() -> nodes.released.stream().anyMatch(r -> r[1] == 0));
        long freed = nodes.released.stream().filter(r -> r[1] == 0).mapToLong(r -> r[0]).min().orElseThrow();
        await().atMost(Duration.ofSeconds(2)).until(() -> nodes.sentBetween(0, Long.MAX_VALUE, 1) > 0);
        long first = nodes.sent.stream().filter(s -> s[1] == 1).mapToLong(s -> s[0]).min().orElseThrow();
        assertThat(first).as("node b sent nothing while node a held both").isGreaterThan(freed);
        assertThat((first - freed) / 1e9).as("seconds until a freed lease was taken").isLessThan(1.0);
        assertThat(nodes.maxOpen.get()).isLessThanOrEqualTo(2);
        System.out.printf("a freed lease taken by the other node after %d ms%n", (first - freed) / 1_000_000);
    }

    @Test
    void aRateLimitReplyOnOneNodeSlowsTheOtherWithinTwoSeconds() throws Exception {
        nodes(4, "40/s", "node-a", "node-b");
        // both lanes exist
        for (var s : nodes.shapers) go(s).lease().done(List.of());
        Admission.Go go = go(nodes.shapers.get(0));
        go.lease().done(List.of(new Outcome("r@shared.test", Outcome.Result.DEFERRED, 421, "4.7.28",
                "too many messages, slow down", "mx.shared.test", "127.0.0.9", 25, null, 10, false, null)));
        long seen = System.nanoTime();
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
                .until(() -> lane(1).ratePerSecond() == 20.0 && lane(1).connections() == 2 && lane(1).backingOff());
        System.out.printf("backoff adopted by node b after %d ms%n", (System.nanoTime() - seen) / 1_000_000);
        assertThat(lane(0).ratePerSecond()).isEqualTo(20.0);
    }

    @Test
    void recoveryOnOneNodeReachesTheOther() throws Exception {
        nodes = new LaneNodes(LaneNodes.config(redis.url(), List.of()), LaneNodes.rule(4, "40/s"),
                Duration.ofMillis(500), "node-a", "node-b");
        for (var s : nodes.shapers) go(s).lease().done(List.of());
        Admission.Go go = go(nodes.shapers.get(0));
        go.lease().done(List.of(new Outcome("r@shared.test", Outcome.Result.DEFERRED, 421, "4.7.28",
                "slow down", "mx.shared.test", "127.0.0.9", 25, null, 10, false, null)));
        await().atMost(Duration.ofSeconds(2)).until(() -> lane(1).ratePerSecond() == 20.0);
        // node a delivers cleanly: its windows raise the limits step by step, and node b follows
        long until = System.nanoTime() + 8 * SECOND;
        await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (nodes.shapers.get(0).admit(nodes.job(), () -> {}) instanceof Admission.Go g) {
                g.lease().done(List.of(new Outcome("r@shared.test", Outcome.Result.DELIVERED, 250, "2.0.0", "ok",
                        "mx.shared.test", "127.0.0.9", 25, null, 10, false, null)));
            }
            return lane(1).ratePerSecond() > 20.0 && lane(1).connections() > 2;
        });
        assertThat(System.nanoTime()).isLessThan(until);
    }

    /** Admits a job, asking again as told (a shared lane has no token or lease at hand at first). */
    private Admission.Go go(sluice.shaping.Shaper shaper) {
        sluice.delivery.Job job = nodes.job();
        Admission.Go[] out = new Admission.Go[1];
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(5)).until(() -> {
            if (shaper.admit(job, () -> {}) instanceof Admission.Go g) out[0] = g;
            return out[0] != null;
        });
        return out[0];
    }

    private LaneView lane(int node) {
        return nodes.shapers.get(node).lanes().stream().filter(l -> l.group().equals("shared")).findFirst().orElseThrow();
    }

    @Test
    void whileRedisIsGoneEachNodeHoldsItsShareOfTheConnectionsAndNoMoreThanTheLimitAtTheSwitches() throws Exception {
        nodes(5, null, "node-a", "node-b");
        nodes.run(4, Duration.ofMillis(100));
        Thread.sleep(2000);
        redis.kill();
        await().atMost(Duration.ofSeconds(3)).until(() -> nodes.clusters.stream().allMatch(c -> c.health().degraded()));
        Thread.sleep(300); // connections opened before the switch end (100 ms each)
        for (var m : nodes.maxOpenPerNode) m.set(0);
        long degraded = System.nanoTime();
        Thread.sleep(3000);
        // 5 split exactly by the order of names: 3 for node-a, 2 for node-b
        System.out.printf("max open after the switch to degraded: %d%n", nodes.maxOpen.get());
        assertThat(nodes.maxOpenPerNode.get(0).get()).as("node a while degraded").isLessThanOrEqualTo(3);
        assertThat(nodes.maxOpenPerNode.get(1).get()).as("node b while degraded").isLessThanOrEqualTo(2);
        assertThat(nodes.sentBetween(degraded, degraded + 3 * SECOND, -1)).as("attempts while degraded").isGreaterThan(30);
        redis.restart();
        await().atMost(Duration.ofSeconds(8)).until(() -> nodes.clusters.stream().allMatch(c -> c.health().shared()));
        long shared = System.nanoTime();
        Thread.sleep(3000);
        nodes.stopWorkers();
        assertThat(nodes.sentBetween(shared, shared + 3 * SECOND, -1)).as("attempts shared again").isGreaterThan(30);
        assertThat(nodes.maxOpen.get()).as("connections at once, through both switches").isLessThanOrEqualTo(5);
    }

    @Test
    void whileRedisIsGoneEachNodeKeepsToItsShareAndSharedLimitsResume() throws Exception {
        nodes(4, "20/s", "node-a", "node-b");
        nodes.run(6, Duration.ofMillis(100));
        Thread.sleep(2000);
        redis.kill();
        await().atMost(Duration.ofSeconds(3)).until(() -> nodes.clusters.stream().allMatch(c -> c.health().degraded()));
        long degraded = System.nanoTime();
        Thread.sleep(4000);
        long sentA = nodes.sentBetween(degraded, degraded + 4 * SECOND, 0);
        long sentB = nodes.sentBetween(degraded, degraded + 4 * SECOND, 1);
        // half of 20/s each (one burst of one)
        assertThat(sentA).as("node a while degraded").isLessThanOrEqualTo(41).isGreaterThan(20);
        assertThat(sentB).as("node b while degraded").isLessThanOrEqualTo(41).isGreaterThan(20);
        redis.restart();
        await().atMost(Duration.ofSeconds(8)).until(() -> nodes.clusters.stream().allMatch(c -> c.health().shared()));
        long shared = System.nanoTime();
        Thread.sleep(4000);
        nodes.stopWorkers();
        long after = nodes.sentBetween(shared, shared + 4 * SECOND, -1);
        assertThat(after).as("the fleet after Redis returned").isLessThanOrEqualTo(80 + 2 + 4 + 2).isGreaterThan(50);
        assertThat(nodes.maxOpen.get()).as("connections at once, through both switches").isLessThanOrEqualTo(4);
        System.out.printf("degraded: a %d, b %d in 4 s; shared again: %d in 4 s; at most %d connections%n",
                sentA, sentB, after, nodes.maxOpen.get());
    }
}
