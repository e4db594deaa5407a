package sluice.shaping;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import sluice.bounce.BounceClassifier;
import sluice.config.EgressConfig;
import sluice.config.Rate;
import sluice.config.ShapingConfig;
import sluice.delivery.Destination;
import sluice.delivery.EgressPools;
import sluice.delivery.Job;
import sluice.spool.Envelope;
import sluice.spool.Recipient;
import sluice.testkit.MutableClock;

/**
 * The seam a cluster store plugs into: two shapers (two nodes) whose lanes share their {@link LaneState} hold one
 * rate and one connection limit between them, not one each.
 */
class SharedLaneStateTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));
    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
    private int ids;

    /** One state per source and group for every shaper that uses this factory (what Redis is to a fleet). */
    private static final class SharedStore implements LaneState.Factory {
        private final Map<String, LaneState> states = new ConcurrentHashMap<>();

        @Override
        public LaneState open(String source, String groupKey) {
            return states.computeIfAbsent(source + "\u0000" + groupKey, k -> new Synchronized(new LocalLaneState()));
        }
    }

    /** Two lanes' monitors guard one state here, so the state takes its own. */
    private record Synchronized(LaneState s) implements LaneState {
        public synchronized Slot reserveMessage(long now, long intervalNanos, int burst) {
            return s.reserveMessage(now, intervalNanos, burst);
        }

        public synchronized void restartMessages(long now, long intervalNanos) {
            s.restartMessages(now, intervalNanos);
        }

        public synchronized long reserveConnection(long now, long intervalNanos, int burst) {
            return s.reserveConnection(now, intervalNanos, burst);
        }

        public synchronized boolean acquireConnection(int limit) {
            return s.acquireConnection(limit);
        }

        public synchronized void releaseConnection() {
            s.releaseConnection();
        }

        public synchronized int connectionsHeld() {
            return s.connectionsHeld();
        }
    }

    private Shaper node(LaneState.Factory states, ShapingConfig.Rule rule) {
        return new Shaper(new ShapingConfig(List.of(rule), Map.of()), new EgressPools(EgressConfig.NONE,
                RandomGenerator.of("L64X128MixRandom")), d -> List.of(), WarmupLedger.NONE, SourceHealth.ALL,
                new BounceClassifier(), e -> {}, clock, nanos::get, RandomGenerator.of("L64X128MixRandom"),
                Duration.ofSeconds(60), states);
    }

    private static ShapingConfig.Rule rule(int connections, String rate) {
        return new ShapingConfig.Rule("shared.test", "shared", connections, 0, rate == null ? null : Rate.parse(rate),
                null, null, true, Duration.ofMinutes(10), "test:1");
    }

    private Job job() {
        Envelope env = new Envelope("s@sender.test", List.of(Recipient.pending("r" + ids + "@shared.test", null, null)),
                clock.instant(), 10, Map.of());
        return new Job("Q" + (ids++), env, env.recipients(), new Destination.Mx("shared.test"));
    }

    @Test
    void twoNodesSharingStateKeepOneRateBetweenThem() {
        SharedStore store = new SharedStore();
        Shaper a = node(store, rule(0, "10/s"));
        Shaper b = node(store, rule(0, "10/s"));
        int went = 0;
        // ten seconds of both nodes wanting to send all the time: each keeps one job that, told to wait, comes
        // back at its slot (the scheduler's part); 10/s in all, not 10/s each
        Job[] pending = {job(), job()};
        long[] due = {0, 0};
        for (int ms = 0; ms < 10_000; ms++) {
            for (int n = 0; n < 2; n++) {
                if (clock.millis() < due[n]) continue;
                Admission answer = (n == 0 ? a : b).admit(pending[n], () -> {});
                if (answer instanceof Admission.Go go) {
                    went++;
                    go.lease().done(List.of());
                    pending[n] = job();
                } else {
                    due[n] = ((Admission.Wait) answer).untilMillis();
                }
            }
            nanos.addAndGet(1_000_000L);
            clock.advance(Duration.ofMillis(1));
        }
        assertThat(went).isBetween(100, 101);
    }

    @Test
    void twoNodesSharingStateKeepOneConnectionLimitAndAFreedOneWakesTheOtherNode() {
        SharedStore store = new SharedStore();
        Shaper a = node(store, rule(2, null));
        Shaper b = node(store, rule(2, null));
        Admission.Go first = (Admission.Go) a.admit(job(), () -> {});
        Admission.Go second = (Admission.Go) b.admit(job(), () -> {});
        AtomicBoolean woken = new AtomicBoolean();
        assertThat(a.admit(job(), () -> woken.set(true))).isInstanceOf(Admission.Wait.class);
        assertThat(b.admit(job(), () -> {})).isInstanceOf(Admission.Wait.class);
        // node b frees its connection: node a's parked job is woken by a's own periodic look
        second.lease().done(List.of());
        assertThat(woken).isFalse();
        a.tick();
        assertThat(woken).isTrue();
        assertThat(a.admit(job(), () -> {})).isInstanceOf(Admission.Go.class);
        assertThat(b.admit(job(), () -> {})).isInstanceOf(Admission.Wait.class);
        first.lease().done(List.of());
    }

    @Test
    void separateStatesAreSeparateLimits() {
        Shaper a = node(LaneState.Factory.LOCAL, rule(1, null));
        Shaper b = node(LaneState.Factory.LOCAL, rule(1, null));
        assertThat(a.admit(job(), () -> {})).isInstanceOf(Admission.Go.class);
        assertThat(b.admit(job(), () -> {})).isInstanceOf(Admission.Go.class);
        assertThat(a.admit(job(), () -> {})).isInstanceOf(Admission.Wait.class);
    }
}
