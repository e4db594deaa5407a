package sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import sluice.config.ClusterConfig;
import sluice.config.HostPort;
import sluice.testkit.RedisCluster;
import sluice.testkit.RedisServer;

/** The heartbeat on a Redis Cluster (three masters, a replica each): it survives the failover of the master holding it. */
class RedisClusterMembershipTest {

    @Test
    void theHeartbeatSurvivesAMastersFailover() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        try (RedisCluster redis = RedisCluster.start(3, 1)) {
            List<HostPort> seeds = redis.seeds().stream().map(s -> HostPort.parse(s, true)).toList();
            ClusterConfig config = new ClusterConfig("", seeds, "", null, null, null, false, Duration.ofMillis(200));
            try (Cluster a = Cluster.start(config, "node-a", () -> 0, () -> null, Clock.systemUTC());
                 Cluster b = Cluster.start(config, "node-b", () -> 0, () -> null, Clock.systemUTC())) {
                await().atMost(Duration.ofSeconds(5)).until(() -> a.membership().alive() == 2);
                assertThat(a.view().mode()).isEqualTo("redis_cluster");
                // the master that holds the members' hash slot
                String slot = redis.nodes().get(0).cli("CLUSTER", "KEYSLOT", Membership.KEY);
                RedisServer owner = null;
                for (RedisServer m : redis.masters()) {
                    if (m.cli("CLUSTER", "COUNTKEYSINSLOT", slot).equals("1")) owner = m;
                }
                assertThat(owner).as("the master holding slot " + slot).isNotNull();
                owner.kill();
                await().atMost(Duration.ofSeconds(5)).until(() -> a.health().degraded());
                // a replica takes over (node timeout 2 s) and both nodes share again
                await().atMost(Duration.ofSeconds(30)).until(() -> a.health().shared() && b.health().shared());
                await().atMost(Duration.ofSeconds(5)).until(() -> a.membership().alive() == 2);
            }
        }
    }
}
