package sluice.node;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When the idle trim runs a full GC: a quiet interval, much free heap, once per idle spell. */
class IdleHeapTrimTest {
    private static final long MB = 1L << 20;

    @Test
    void trimsOnceAfterAQuietIntervalWithMuchFreeHeap() {
        IdleHeapTrim.Decision d = new IdleHeapTrim.Decision();
        assertThat(d.trimNow(100, 900 * MB, 50 * MB)).as("first look: nothing to compare yet").isFalse();
        assertThat(d.trimNow(180, 900 * MB, 50 * MB)).as("collections in the interval: busy").isFalse();
        assertThat(d.trimNow(180, 900 * MB, 50 * MB)).as("a quiet interval, 850 MB free").isTrue();
        d.trimmed(181);
        assertThat(d.trimNow(181, 200 * MB, 50 * MB)).as("still idle after the trim: not again").isFalse();
        assertThat(d.trimNow(181, 200 * MB, 50 * MB)).isFalse();
        assertThat(d.trimNow(260, 900 * MB, 60 * MB)).as("a new burst").isFalse();
        assertThat(d.trimNow(260, 900 * MB, 60 * MB)).as("quiet again").isTrue();
    }

    @Test
    void aQuietHeapThatIsMostlyInUseIsLeftAlone() {
        IdleHeapTrim.Decision d = new IdleHeapTrim.Decision();
        d.trimNow(10, 100 * MB, 90 * MB);
        assertThat(d.trimNow(10, 100 * MB, 90 * MB)).isFalse();
    }
}
