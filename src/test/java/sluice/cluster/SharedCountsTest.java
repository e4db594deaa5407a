package sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sluice.auth.Lockout;
import sluice.config.AuthConfig;
import sluice.config.ClusterConfig;
import sluice.config.HostPort;
import sluice.policy.RateLimit;
import sluice.testkit.RedisCluster;
import sluice.testkit.RedisServer;

/**
 * The sync of the shared rate limits and lockouts, driven by hand against a real redis-server (and a Redis Cluster):
 * counts add up across nodes, a Redis that lost its data gets each node's counts again, the keys of one sync hash
 * to one slot.
 */
class SharedCountsTest {
    private static final InetAddress CLIENT = ip(7);
    private final List<AutoCloseable> open = new ArrayList<>();
    private final Clock clock = Clock.systemUTC();

    private static InetAddress ip(int last) {
        try {
            return InetAddress.getByAddress(new byte[]{(byte) 192, 0, 2, (byte) last}); // a literal: no lookup
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    private SharedCounts node(ClusterConfig config, String name) throws Exception {
        Cluster c = Cluster.start(config, name, () -> 0, () -> null, clock);
        open.add(c);
        return SharedCounts.manual(c, clock);
    }

    private static ClusterConfig single(RedisServer redis) {
        return new ClusterConfig(redis.url(), List.of(), "", null, null, null, false, Duration.ofMillis(100));
    }

    /** Syncs until one sync has gone through (a node that found Redis gone is degraded until the heartbeat). */
    private static void syncOk(SharedCounts s) {
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> {
            long n = s.syncs();
            s.sync();
            return s.syncs() > n;
        });
    }

    private static int acquire(RateLimit limit, int times) {
        int allowed = 0;
        for (int i = 0; i < times; i++) if (limit.tryAcquire(CLIENT)) allowed++;
        return allowed;
    }

    @Test
    void aRedisThatLostItsDataGetsEachNodesCountsAgain() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        RedisServer redis = RedisServer.start();
        open.add(redis);
        SharedCounts a = node(single(redis), "node-a");
        SharedCounts b = node(single(redis), "node-b");
        // an hour's window, so that the test never straddles two windows of weight
        RateLimit ra = new RateLimit(10, Duration.ofHours(1), clock, a.counter("messages_per_user", 10, Duration.ofHours(1)));
        RateLimit rb = new RateLimit(10, Duration.ofHours(1), clock, b.counter("messages_per_user", 10, Duration.ofHours(1)));
        assertThat(acquire(ra, 4)).isEqualTo(4);
        assertThat(acquire(rb, 4)).isEqualTo(4);
        syncOk(a);
        syncOk(b);
        syncOk(a);
        redis.restart(); // empty
        // the first sync that reaches it finds a new data set: each node sends its own counts again
        for (int i = 0; i < 3; i++) {
            syncOk(a);
            syncOk(b);
        }
        long window = System.currentTimeMillis() - System.currentTimeMillis() % 3_600_000;
        assertThat(redis.cli("ZSCORE", SharedCounts.PREFIX + "messages_per_user:" + window, CLIENT.getHostAddress()))
                .isEqualTo("8");
        assertThat(acquire(ra, 1) + acquire(rb, 1)).isEqualTo(2);
        syncOk(a);
        syncOk(b);
        syncOk(a);
        assertThat(acquire(ra, 5) + acquire(rb, 5)).isZero();
    }

    @Test
    void countsAndLockoutsAreSharedOnARedisCluster() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        RedisCluster rc = RedisCluster.start(3, 0);
        open.add(rc);
        List<HostPort> seeds = rc.seeds().stream().map(s -> HostPort.parse(s, true)).toList();
        ClusterConfig config = new ClusterConfig("", seeds, "", null, null, null, false, Duration.ofMillis(300));
        SharedCounts a = node(config, "node-a");
        SharedCounts b = node(config, "node-b");
        RateLimit ra = new RateLimit(10, Duration.ofHours(1), clock, a.counter("messages_per_ip", 10, Duration.ofHours(1)));
        RateLimit rb = new RateLimit(10, Duration.ofHours(1), clock, b.counter("messages_per_ip", 10, Duration.ofHours(1)));
        assertThat(acquire(ra, 6)).isEqualTo(6);
        syncOk(a);
        syncOk(b);
        assertThat(acquire(rb, 10)).isEqualTo(4);
        AuthConfig auth = new AuthConfig(3, Duration.ofMinutes(10), Duration.ofMinutes(10), Duration.ZERO);
        Lockout la = new Lockout(auth, 64, clock, a.lockouts(auth));
        Lockout lb = new Lockout(auth, 64, clock, b.lockouts(auth));
        for (int i = 0; i < 3; i++) la.recordFailure(CLIENT);
        assertThat(la.isLockedOut(CLIENT)).isTrue();
        assertThat(lb.isLockedOut(CLIENT)).isFalse();
        syncOk(a);
        syncOk(b);
        assertThat(lb.isLockedOut(CLIENT)).isTrue();
        assertThat(lb.isLockedOut(ip(8))).isFalse();
    }
}
