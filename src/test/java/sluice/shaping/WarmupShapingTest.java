package sluice.shaping;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import sluice.bounce.BounceClassifier;
import sluice.config.EgressConfig;
import sluice.config.ShapingConfig;
import sluice.delivery.Destination;
import sluice.delivery.EgressPools;
import sluice.delivery.Job;
import sluice.spool.Envelope;
import sluice.spool.Recipient;
import sluice.testkit.MutableClock;

/**
 * Warm-up through the shaper with real pools: past its cap a warming source's excess spills to the pool's
 * established source, or (overflow = "wait") waits until the next UTC day, holding nothing.
 */
class WarmupShapingTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private int ids;

    private Shaper shaper(String overflow, List<String> poolSources, Warmups warmups) {
        EgressConfig egress = new EgressConfig(List.of(
                new EgressConfig.Source("ip1", "127.0.0.2", "out1.sluice.test", "ramp", null),
                new EgressConfig.Source("ip2", "127.0.0.3", "out2.sluice.test", null, null)),
                List.of(new EgressConfig.Pool("bulk", poolSources, poolSources.stream().map(s -> 1).toList(), overflow)),
                "bulk", Map.of(), Map.of());
        return new Shaper(ShapingConfig.NONE, new EgressPools(egress, new Random(3)), d -> List.of(), warmups,
                SourceHealth.ALL, new BounceClassifier(), e -> {}, clock,
                () -> nanos.addAndGet(1_000_000), new Random(11), Duration.ofSeconds(60));
    }

    private Warmups warmups() throws Exception {
        return Warmups.open(WarmupsTest.egress("ramp", null), WarmupsTest.SCHEDULES, new WarmupsTest.MemoryStore());
    }

    private Admission admit(Shaper s) {
        Envelope e = new Envelope("news@example.test", List.of(Recipient.pending("r@far.test", null, null)),
                clock.instant(), 10, Map.of());
        Admission a = s.admit(new Job("q" + ids++, e, e.recipients(), new Destination.Mx("far.test")), () -> {});
        if (a instanceof Admission.Go go) go.lease().done(List.of());
        return a;
    }

    @Test
    void pastItsCapAWarmingSourcesExcessSpillsToTheEstablishedSourceUntilTheNextDay() throws Exception {
        Shaper s = shaper("spill", List.of("ip1", "ip2"), warmups());
        Map<String, Integer> bySource = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            Admission a = admit(s);
            assertThat(a).isInstanceOf(Admission.Go.class);
            bySource.merge(((Admission.Go) a).job().shape().source().name(), 1, Integer::sum);
        }
        assertThat(bySource).isEqualTo(Map.of("ip1", 10, "ip2", 90));

        clock.advance(Duration.ofDays(1)); // a full day 1: day 2 allows 20
        bySource.clear();
        for (int i = 0; i < 100; i++) bySource.merge(((Admission.Go) admit(s)).job().shape().source().name(), 1, Integer::sum);
        assertThat(bySource).isEqualTo(Map.of("ip1", 20, "ip2", 80));
    }

    @Test
    void withOverflowWaitAJobDrawnToACappedSourceWaitsUntilTheNextUtcDay() throws Exception {
        Shaper s = shaper("wait", List.of("ip1"), warmups());
        for (int i = 0; i < 10; i++) assertThat(admit(s)).isInstanceOf(Admission.Go.class);
        Admission a = admit(s);
        assertThat(a).isInstanceOfSatisfying(Admission.Wait.class, w -> {
            assertThat(Instant.ofEpochMilli(w.untilMillis())).isEqualTo(Instant.parse("2026-12-07T00:00:00Z"));
            assertThat(w.reason()).contains("ip1").contains("warm-up cap");
        });
        clock.advance(Duration.ofHours(13)); // 23:00: still the same day
        assertThat(admit(s)).isInstanceOf(Admission.Wait.class);
        clock.advance(Duration.ofHours(1));
        assertThat(admit(s)).isInstanceOf(Admission.Go.class);
    }

    @Test
    void whenEverySourceOfASpillingPoolIsCappedTheJobWaitsForTheNextDay() throws Exception {
        Shaper s = shaper("spill", List.of("ip1"), warmups());
        for (int i = 0; i < 10; i++) assertThat(admit(s)).isInstanceOf(Admission.Go.class);
        assertThat(admit(s)).isInstanceOfSatisfying(Admission.Wait.class, w -> assertThat(
                Instant.ofEpochMilli(w.untilMillis())).isEqualTo(Instant.parse("2026-12-07T00:00:00Z")));
    }
}
