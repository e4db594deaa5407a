package sluice.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import sluice.bounce.BounceClassifier;
import sluice.config.ShapingConfig;
import sluice.delivery.EgressPools;
import sluice.shaping.LaneView;
import sluice.shaping.Shaper;
import sluice.shaping.SourceHealth;
import sluice.shaping.WarmupLedger;
import sluice.shaping.WarmupView;
import sluice.testkit.MutableClock;

/** {@code GET /api/v1/shaping}'s answer: bounded, the telling lanes first, no-limit as null, warm-up days rendered. */
class ShapingPageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-12-06T06:00:00Z");

    private static LaneView domain(String d, int active, boolean backingOff, long suspendedUntil) {
        return new LaneView("ip1", "*", d, 0, 0, 0, 0, active, 0, 0, backingOff, suspendedUntil,
                suspendedUntil == 0 ? null : "554 5.7.1 listed", null);
    }

    private static JsonNode answer(List<LaneView> lanes, List<WarmupView> warmup) {
        return JSON.valueToTree(ShapingPage.answer(new ShapingPage.Source(() -> lanes, () -> warmup), NOW));
    }

    @Test
    void namedGroupsAlwaysAndAtMost500DomainLanesTheTellingOnesFirst() {
        List<LaneView> lanes = new ArrayList<>();
        for (int i = 0; i < 700; i++) lanes.add(domain(String.format("d%03d.test", i), i % 7, false, 0));
        lanes.add(domain("zz-backoff.test", 0, true, 0));
        lanes.add(domain("zz-suspended.test", 0, false, NOW.toEpochMilli() + 60_000));
        lanes.add(new LaneView("ip1", "google", null, 12.5, 25, 2, 5, 1, 3, 4, true, 0, null, "sluice.toml:12"));
        JsonNode a = answer(lanes, List.of());
        assertThat(a.path("omitted").asInt()).isEqualTo(202);
        assertThat(a.path("lanes")).hasSize(501);
        JsonNode google = a.path("lanes").get(0);
        assertThat(google.path("group").asText()).isEqualTo("google");
        assertThat(google.has("domain")).isFalse();
        assertThat(google.path("state").asText()).isEqualTo("backing_off");
        assertThat(google.path("rate_per_second").asDouble()).isEqualTo(12.5);
        assertThat(google.path("configured_connections").asInt()).isEqualTo(5);
        assertThat(google.path("waiting_for_rate").asInt()).isEqualTo(3);
        assertThat(google.path("waiting_for_connection").asInt()).isEqualTo(4);
        assertThat(google.path("rule").asText()).isEqualTo("sluice.toml:12");
        assertThat(google.has("suspended_until")).isFalse();
        JsonNode first = a.path("lanes").get(1);
        assertThat(first.path("domain").asText()).isEqualTo("zz-suspended.test");
        assertThat(first.path("state").asText()).isEqualTo("suspended");
        assertThat(first.path("suspended_until").asText()).isEqualTo("2026-12-06T06:01:00Z");
        assertThat(first.path("suspended_because").asText()).isEqualTo("554 5.7.1 listed");
        assertThat(a.path("lanes").get(2).path("domain").asText()).isEqualTo("zz-backoff.test");
        // then the busiest: every lane with 6 active comes before any with 5
        assertThat(a.path("lanes").get(3).path("active").asInt()).isEqualTo(6);
        // a domain lane without limits says so with null, never a limit of 0
        assertThat(first.path("rate_per_second").isNull()).isTrue();
        assertThat(first.path("connections").isNull()).isTrue();
    }

    @Test
    void fewLanesAreAllListed() {
        JsonNode a = answer(List.of(domain("a.test", 0, false, 0)), List.of());
        assertThat(a.path("omitted").asInt()).isZero();
        assertThat(a.path("lanes")).hasSize(1);
    }

    @Test
    void pausedDeliverySaysSo() {
        JsonNode a = JSON.valueToTree(ShapingPage.answer(null, NOW));
        assertThat(a.path("delivery").asText()).isEqualTo("paused");
        assertThat(a.path("lanes")).isEmpty();
    }

    /** The shaper passes its ledger's days through: a fake ledger stands in for the one being written. */
    @Test
    void warmupDaysComeFromTheShapersLedger() {
        WarmupLedger ledger = new WarmupLedger() {
            public long remaining(String source, String group, long nowMillis) {
                return 10;
            }

            public void count(String source, String group, long nowMillis) {}

            public long nextDay(long nowMillis) {
                return nowMillis + 86_400_000L;
            }

            @Override
            public List<WarmupView> views(long nowMillis) {
                assertThat(nowMillis).isEqualTo(NOW.toEpochMilli());
                return List.of(new WarmupView("ip3", "google", "default", 3, 16, 180, 250, "2026-12-19"),
                        new WarmupView("ip3", "yahoo", "default", 1, 16, 0, 50, null));
            }
        };
        MutableClock clock = new MutableClock(NOW);
        try (Shaper shaper = new Shaper(ShapingConfig.NONE, EgressPools.none(), d -> List.of(), ledger,
                SourceHealth.ALL, new BounceClassifier(), e -> {}, clock, System::nanoTime,
                RandomGenerator.getDefault(), Duration.ofSeconds(60))) {
            JsonNode a = JSON.valueToTree(ShapingPage.answer(new ShapingPage.Source(shaper::lanes, shaper::warmup), NOW));
            assertThat(a.path("warmup")).hasSize(2);
            assertThat(a.path("warmup").get(0).toString()).isEqualTo("{\"source\":\"ip3\",\"group\":\"google\","
                    + "\"schedule\":\"default\",\"day\":3,\"days\":16,\"sent_today\":180,\"cap_today\":250,"
                    + "\"ends_on\":\"2026-12-19\"}");
            assertThat(a.path("warmup").get(1).has("ends_on")).isFalse();
        }
    }
}
