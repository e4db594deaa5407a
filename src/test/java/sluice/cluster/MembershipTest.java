package sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sluice.config.ClusterConfig;
import sluice.testkit.RedisServer;

/** Heartbeats, the share of a limit while degraded, and the switch to degraded and back, against a real redis-server. */
class MembershipTest {
    private RedisServer redis;

    @BeforeEach
    void redis() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        redis = RedisServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (redis != null) redis.close();
    }

    private ClusterConfig config(Double share) {
        return new ClusterConfig(redis.url(), List.of(), "", share, null, null, false, Duration.ofMillis(100));
    }

    @Test
    void nodesSeeEachOtherAndSplitAConnectionLimitExactly() throws Exception {
        try (Cluster a = Cluster.start(config(null), "node-a", () -> 7, () -> null, Clock.systemUTC());
             Cluster b = Cluster.start(config(null), "node-b", () -> 3, () -> null, Clock.systemUTC());
             Cluster c = Cluster.start(config(null), "node-c", () -> 0, () -> null, Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> a.membership().alive() == 3 && c.membership().alive() == 3);
            assertThat(a.view().members()).extracting(ClusterView.Member::name).containsExactly("node-a", "node-b", "node-c");
            assertThat(a.view().members()).filteredOn(ClusterView.Member::self).singleElement()
                    .satisfies(m -> assertThat(m.queue()).isEqualTo(7));
            assertThat(a.membership().share()).isEqualTo(1.0 / 3);
            for (int limit : new int[]{1, 2, 5, 6, 100}) {
                int sum = a.membership().connectionShare(limit) + b.membership().connectionShare(limit)
                        + c.membership().connectionShare(limit);
                assertThat(sum).as("shares of %d", limit).isEqualTo(limit);
            }
            assertThat(a.membership().connectionShare(5)).isEqualTo(2);
            assertThat(c.membership().connectionShare(5)).isEqualTo(1);
            assertThat(a.health().shared()).isTrue();
            assertThat(a.view().state()).isEqualTo("shared");
        }
    }

    @Test
    void aKilledRedisMakesTheNodeDegradedAndItsReturnSharedAgain() throws Exception {
        try (Cluster a = Cluster.start(config(null), "node-a", () -> 0, () -> null, Clock.systemUTC());
             Cluster b = Cluster.start(config(null), "node-b", () -> 0, () -> null, Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> a.membership().alive() == 2);
            redis.kill();
            await().atMost(Duration.ofSeconds(3)).until(() -> a.health().degraded());
            assertThat(a.view().state()).isEqualTo("degraded");
            assertThat(a.view().lastError()).isNotBlank().doesNotContain("Exception");
            // the share is the one of the last fleet seen alive: two nodes
            assertThat(a.membership().share()).isEqualTo(0.5);
            assertThat(a.membership().connectionShare(5) + b.membership().connectionShare(5)).isEqualTo(5);
            redis.restart();
            await().atMost(Duration.ofSeconds(8)).until(() -> a.health().shared() && b.health().shared());
            assertThat(a.health().transitions()).isEqualTo(2);
        }
    }

    @Test
    void aConfiguredShareRoundsConnectionsDown() throws Exception {
        try (Cluster a = Cluster.start(config(0.25), "node-a", () -> 0, () -> null, Clock.systemUTC())) {
            assertThat(a.membership().share()).isEqualTo(0.25);
            assertThat(a.membership().connectionShare(5)).isEqualTo(1);
            assertThat(a.membership().connectionShare(3)).isZero();
        }
    }

    @Test
    void aRedisDownAtStartIsADegradedStartNotAFailure() throws Exception {
        redis.kill();
        try (Cluster a = Cluster.start(config(null), "node-a", () -> 0, () -> null, Clock.systemUTC())) {
            assertThat(a.health().degraded()).isTrue();
            redis.restart();
            await().atMost(Duration.ofSeconds(8)).until(() -> a.health().shared());
        }
    }
}
