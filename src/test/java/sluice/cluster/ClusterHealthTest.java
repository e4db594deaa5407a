package sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import sluice.config.ClusterConfig;
import sluice.testkit.RedisServer;

/** Health's way back from degraded, and the fleet size a degraded node keeps for its shares; time driven by hand. */
class ClusterHealthTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);

    @Test
    void aRelapseSoonAfterAReturnDoublesTheQuietAskedUntilItSettles() {
        ClusterHealth h = new ClusterHealth(Clock.systemUTC(), nanos::get);
        h.failed("timed out");
        assertThat(h.degraded()).isTrue();
        h.beat();
        h.beat();
        assertThat(h.degraded()).as("two beats, but no quiet yet").isTrue();
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        h.beat();
        assertThat(h.shared()).isTrue();
        // a Cluster master that died answers again on other slots: a relapse within 30 s asks 4 s of quiet
        nanos.addAndGet(Duration.ofSeconds(3).toNanos());
        h.failed("connection refused");
        nanos.addAndGet(Duration.ofSeconds(3).toNanos());
        h.beat();
        h.beat();
        assertThat(h.degraded()).isTrue();
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        h.beat();
        assertThat(h.shared()).isTrue();
        // more than 30 s later a failure starts from 2 s again
        nanos.addAndGet(Duration.ofSeconds(61).toNanos());
        h.failed("timed out");
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        h.beat();
        h.beat();
        assertThat(h.shared()).isTrue();
        assertThat(h.transitions()).isEqualTo(6);
    }

    @Test
    void aDegradedNodeKeepsTheFleetItLastSawEvenWhenARestartedRedisShowsItAlone() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        try (RedisServer redis = RedisServer.start()) {
            ClusterConfig config = new ClusterConfig(redis.url(), List.of(), "", null, null, null, false, Duration.ofSeconds(1));
            ClusterHealth ha = new ClusterHealth(Clock.systemUTC(), nanos::get);
            ClusterHealth hb = new ClusterHealth(Clock.systemUTC(), nanos::get);
            try (RedisLink la = RedisLink.open(config, "a", ha); RedisLink lb = RedisLink.open(config, "b", hb)) {
                Membership a = new Membership("node-a", la, ha, null, () -> 0, () -> null, Clock.systemUTC());
                Membership b = new Membership("node-b", lb, hb, null, () -> 0, () -> null, Clock.systemUTC());
                a.beat();
                b.beat();
                a.beat();
                assertThat(a.alive()).isEqualTo(2);
                redis.kill();
                a.beat();
                assertThat(ha.degraded()).isTrue();
                redis.restart(); // empty: only node-a will have beaten
                a.beat();
                assertThat(a.members()).extracting(ClusterView.Member::name).containsExactly("node-a");
                assertThat(a.alive()).as("frozen while degraded").isEqualTo(2);
                assertThat(a.share()).isEqualTo(0.5);
                assertThat(a.connectionShare(5)).isEqualTo(3);
                nanos.addAndGet(Duration.ofSeconds(3).toNanos());
                a.beat();
                assertThat(ha.shared()).isTrue();
                a.beat();
                assertThat(a.alive()).as("counted afresh once shared").isEqualTo(1);
            }
        }
    }
}
