package sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sluice.testkit.RedisServer;

/**
 * The shares a node keeps to while degraded are those of the fleet it saw when Redis went away, even when a
 * restarted (empty) Redis shows it alone; back to shared, it keeps clear of the nodes it has not heard from since.
 */
class FleetSharesTest {
    private RedisServer redis;

    @AfterEach
    void stop() throws Exception {
        if (redis != null) redis.close();
    }

    @Test
    void sharesAreFrozenAtTheFleetSeenWhenRedisWentAway() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        redis = RedisServer.start();
        var config = LaneNodes.config(redis.url(), List.of());
        try (Cluster a = Cluster.start(config, "node-a", () -> 0, () -> null, Clock.systemUTC());
             Cluster b = Cluster.start(config, "node-b", () -> 0, () -> null, Clock.systemUTC());
             Cluster c = Cluster.start(config, "node-c", () -> 0, () -> null, Clock.systemUTC());
             RedisLaneStates lanes = new RedisLaneStates(a)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> a.membership().alive() == 3);
            FleetShares shares = lanes.shares();
            redis.kill();
            await().atMost(Duration.ofSeconds(3)).until(() -> a.health().degraded());
            assertThat(shares.connectionShare(5)).isEqualTo(2);
            b.close(); // b and c beat no more: a restarted Redis shows node-a alone
            c.close();
            redis.restart();
            // while degraded the membership keeps the fleet it saw (three), whatever the empty Redis shows
            await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(10)).until(() -> {
                boolean shared = a.health().shared();
                if (!shared) {
                    assertThat(a.membership().alive()).as("frozen while degraded").isEqualTo(3);
                    assertThat(shares.connectionShare(5)).as("a third of 5, rank 0").isEqualTo(2);
                    assertThat(shares.share()).isEqualTo(1.0 / 3);
                }
                return shared;
            });
            await().atMost(Duration.ofSeconds(8)).until(() -> a.health().shared());
            // b and c have not beaten since: they may still be degraded, holding their shares (2 and 1)
            assertThat(shares.degradedConnectionsOfOthers(5)).isEqualTo(3);
            assertThat(shares.degradedShareOfOthers()).isEqualTo(2.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
        }
    }
}
