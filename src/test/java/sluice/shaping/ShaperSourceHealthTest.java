package sluice.shaping;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import sluice.bounce.BounceClassifier;
import sluice.config.EgressConfig;
import sluice.config.ShapingConfig;
import sluice.delivery.Destination;
import sluice.delivery.EgressPools;
import sluice.delivery.Job;
import sluice.spool.Envelope;
import sluice.spool.Recipient;

/** An unusable (listed) source leaves its pool on every route: MX and smarthost alike. */
class ShaperSourceHealthTest {
    private static final EgressConfig EGRESS = new EgressConfig(
            List.of(new EgressConfig.Source("ip1", "127.0.0.2", "out1.example.test", null, null),
                    new EgressConfig.Source("ip2", "127.0.0.3", "out2.example.test", null, null)),
            List.of(new EgressConfig.Pool("bulk", List.of("ip1", "ip2"), List.of(1, 1), "spill")),
            "bulk", Map.of(), Map.of());

    private static Shaper shaper(Set<String> listed) {
        return shaper(listed, List.of());
    }

    private static Shaper shaper(Set<String> listed, List<ShapingConfig.Rule> rules) {
        return new Shaper(new ShapingConfig(rules, Map.of()), new EgressPools(EGRESS, RandomGenerator.getDefault()),
                domain -> List.of(), WarmupLedger.NONE, s -> !listed.contains(s), new BounceClassifier(), e -> {},
                Clock.systemUTC(), System::nanoTime, RandomGenerator.getDefault(), Duration.ofSeconds(60));
    }

    private static Job job(int i, Destination destination) {
        Envelope e = new Envelope("a@example.test", List.of(Recipient.pending("b@far.test", null, null)),
                Instant.now(), 10, Map.of());
        return new Job("Q" + i, e, e.recipients(), destination);
    }

    @Test
    void aListedSourceIsNeverDrawnForMxOrSmarthostRoutes() {
        Shaper shaper = shaper(Set.of("ip1"));
        for (int i = 0; i < 50; i++) {
            for (Destination d : List.of(new Destination.Mx("far.test"), new Destination.Smarthost(0, "relay.test"))) {
                Admission a = shaper.admit(job(i, d), () -> {});
                assertThat(a).as(d.key()).isInstanceOf(Admission.Go.class);
                Admission.Go go = (Admission.Go) a;
                assertThat(go.job().shape().source().name()).as(d.key()).isEqualTo("ip2");
                go.lease().done(List.of());
            }
        }
    }

    @Test
    void aSmarthostJobWaitsWhenEverySourceOfItsPoolIsListed() {
        Admission a = shaper(Set.of("ip1", "ip2")).admit(job(1, new Destination.Smarthost(0, "relay.test")), () -> {});
        assertThat(a).isInstanceOfSatisfying(Admission.Wait.class,
                w -> assertThat(w.reason()).contains("listed on a blocklist"));
    }

    @Test
    void aJobThatReservedARateSlotOnASourceListedSinceGoesElsewhere() {
        Set<String> listed = new java.util.concurrent.CopyOnWriteArraySet<>();
        ShapingConfig.Rule slow = new ShapingConfig.Rule("far.test", "far", 0, 0, sluice.config.Rate.parse("1/h"),
                null, null, false, Duration.ofHours(1), "test");
        Shaper shaper = shaper(listed, List.of(slow));
        Destination far = new Destination.Mx("far.test");
        Admission.Wait waiting = null;
        Job job = null;
        for (int i = 0; i < 20 && waiting == null; i++) {
            job = job(i, far);
            if (shaper.admit(job, () -> {}) instanceof Admission.Wait w) waiting = w;
        }
        assertThat(waiting).as("a job waits for a message-rate slot").isNotNull();
        String reserved = waiting.reason().endsWith("ip1") ? "ip1" : "ip2";
        listed.add(reserved);

        Admission again = shaper.admit(job, () -> {});

        if (again instanceof Admission.Go go) {
            assertThat(go.job().shape().source().name()).isNotEqualTo(reserved);
        } else {
            assertThat(((Admission.Wait) again).reason()).doesNotEndWith(" from " + reserved);
        }
    }
}
