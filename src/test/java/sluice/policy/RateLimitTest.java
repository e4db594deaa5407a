package sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import sluice.testkit.MutableClock;

/** The sliding-window counter behind the rate limits, on a clock the test moves. */
class RateLimitTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));

    private int allowed(RateLimit r, Object key, int tries) {
        int n = 0;
        for (int i = 0; i < tries; i++) if (r.tryAcquire(key)) n++;
        return n;
    }

    @Test
    void theLimitHoldsWithinAWindowAndEachKeyHasItsOwn() {
        RateLimit r = new RateLimit(3, Duration.ofMinutes(1), clock);
        assertThat(allowed(r, "a", 5)).isEqualTo(3);
        assertThat(allowed(r, "b", 5)).isEqualTo(3);
    }

    @Test
    void theLastWindowCountsByHowMuchItStillOverlaps() {
        RateLimit r = new RateLimit(4, Duration.ofMinutes(1), clock);
        assertThat(allowed(r, "a", 4)).isEqualTo(4);      // 10:00:00, window full
        clock.advance(Duration.ofSeconds(60));             // 10:01:00: the last minute still holds all 4
        assertThat(r.tryAcquire("a")).isFalse();
        clock.advance(Duration.ofSeconds(30));             // 10:01:30: half of it is left, 2 of 4
        assertThat(allowed(r, "a", 5)).isEqualTo(2);
        clock.advance(Duration.ofMinutes(2));              // two quiet windows: a fresh start
        assertThat(allowed(r, "a", 5)).isEqualTo(4);
    }

    @Test
    void refusedTriesAreNotCounted() {
        RateLimit r = new RateLimit(2, Duration.ofMinutes(1), clock);
        assertThat(allowed(r, "a", 100)).isEqualTo(2);
        clock.advance(Duration.ofMinutes(1).plusSeconds(59)); // 1/60 of the last window left: 2/60 of an event
        assertThat(allowed(r, "a", 5)).isEqualTo(1);
    }

    @Test
    void zeroIsNoLimit() {
        RateLimit r = new RateLimit(0, Duration.ofMinutes(1), clock);
        assertThat(allowed(r, "a", 10_000)).isEqualTo(10_000);
        assertThat(r.keys()).isZero();
    }

    @Test
    void quietKeysAreForgotten() {
        RateLimit r = new RateLimit(10, Duration.ofMinutes(1), clock);
        for (int i = 0; i < 1000; i++) r.tryAcquire("client-" + i);
        clock.advance(Duration.ofMinutes(3));
        for (int i = 0; i < 5000; i++) r.tryAcquire("busy"); // passes a sweep
        assertThat(r.keys()).isEqualTo(1);
    }

    @Test
    void distinctKeysStayBoundedByMaxKeys() {
        RateLimit r = new RateLimit(10, Duration.ofMinutes(1), clock, 1_000);
        for (int i = 0; i < 100_000; i++) r.tryAcquire("client-" + i);
        assertThat(r.keys()).isLessThanOrEqualTo(1_000);
    }

    @Test
    void aFloodOfNewKeysDoesNotEvictTheFloodersOwnCounter() {
        RateLimit r = new RateLimit(10, Duration.ofMinutes(1), clock, 1_000);
        assertThat(allowed(r, "attacker", 30)).isEqualTo(10); // at its limit, and asking often
        for (int i = 0; i < 100_000; i++) r.tryAcquire("spoofed-" + i); // hoping to push its counter out
        assertThat(r.keys()).isLessThanOrEqualTo(1_000);
        assertThat(allowed(r, "attacker", 5)).as("still limited in the same minute").isZero();
    }
}
