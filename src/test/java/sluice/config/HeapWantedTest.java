package sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What `sluice serve` compares its heap cap with. */
class HeapWantedTest {
    private static final long MIB = 1L << 20;

    @Test
    void defaultsWantRoomForEveryConnectionAndEightFullSizeBodies() {
        LimitsConfig d = new LimitsConfig(25 * MIB, 100, 10_000, 50, 10, 0, 0, 0);
        assertThat(d.heapWanted() / MIB).isEqualTo(64 + 546 + 200);
    }

    @Test
    void growsWithTheMessageSizeAndTheConnections() {
        LimitsConfig small = new LimitsConfig(10 * MIB, 100, 1_000, 50, 10, 0, 0, 0);
        LimitsConfig big = new LimitsConfig(100 * MIB, 100, 1_000, 50, 10, 0, 0, 0);
        assertThat(big.heapWanted() - small.heapWanted()).isEqualTo(8 * 90 * MIB);
    }
}
