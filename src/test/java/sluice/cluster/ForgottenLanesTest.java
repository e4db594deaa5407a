package sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import sluice.bounce.BounceClassifier;
import sluice.config.EgressConfig;
import sluice.config.ShapingConfig;
import sluice.delivery.Destination;
import sluice.delivery.EgressPools;
import sluice.delivery.Job;
import sluice.shaping.Admission;
import sluice.shaping.Shaper;
import sluice.shaping.SourceHealth;
import sluice.shaping.WarmupLedger;
import sluice.spool.Envelope;
import sluice.spool.Recipient;
import sluice.testkit.RedisServer;

/** A node sending to many domains keeps no lane state for a domain the shaper forgot (idle, no limits of its own). */
class ForgottenLanesTest {
    @Test
    void idleDomainLanesAreForgottenByTheSharedStoreToo() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        try (RedisServer redis = RedisServer.start();
             Cluster c = Cluster.start(LaneNodes.config(redis.url(), List.of()), "node-a", () -> 0, () -> null,
                     Clock.systemUTC());
             RedisLaneStates store = new RedisLaneStates(c);
             Shaper shaper = new Shaper(new ShapingConfig(List.of(), Map.of()), new EgressPools(EgressConfig.NONE,
                     RandomGenerator.of("L64X128MixRandom")), d -> List.of(), WarmupLedger.NONE, SourceHealth.ALL,
                     new BounceClassifier(), e -> {}, Clock.systemUTC(), System::nanoTime,
                     RandomGenerator.of("L64X128MixRandom"), Duration.ofSeconds(30), store).start()) {
            for (int i = 0; i < 50; i++) {
                String domain = "d" + i + ".test";
                Envelope env = new Envelope("s@sender.test", List.of(Recipient.pending("r@" + domain, null, null)),
                        java.time.Instant.now(), 10, Map.of());
                Admission a = shaper.admit(new Job("Q" + i, env, env.recipients(), new Destination.Mx(domain)), () -> {});
                assertThat(a).isInstanceOf(Admission.Go.class);
                ((Admission.Go) a).lease().done(List.of());
            }
            assertThat(store.size()).isEqualTo(50);
            // the shaper's once-a-second look forgets idle domain lanes, and the store their states
            await().atMost(Duration.ofSeconds(5)).until(() -> store.size() == 0);
            // a domain that comes back gets a fresh state
            Envelope env = new Envelope("s@sender.test", List.of(Recipient.pending("r@d1.test", null, null)),
                    java.time.Instant.now(), 10, Map.of());
            assertThat(shaper.admit(new Job("Q-again", env, env.recipients(), new Destination.Mx("d1.test")), () -> {}))
                    .isInstanceOf(Admission.Go.class);
            assertThat(store.size()).isEqualTo(1);
        }
    }
}
