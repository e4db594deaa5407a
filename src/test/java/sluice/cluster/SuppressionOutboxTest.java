package sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.policy.SuppressionChange;
import sluice.policy.SuppressionList;
import sluice.spool.Spool;

/** The changes waiting for Redis: kept across a restart once stored, bounded, gone from disk once published. */
class SuppressionOutboxTest {
    @TempDir Path dir;

    private static SuppressionChange put(String address) {
        return new SuppressionChange.Put(new SuppressionList.Entry("*", address, "reason with spaces\tand a tab",
                Instant.parse("2026-03-01T10:00:00.123Z")));
    }

    @Test
    void storedChangesSurviveARestartInOrderAndPublishedOnesLeaveTheDisk() throws Exception {
        try (Spool spool = Spool.open(dir.resolve("spool"), 0)) {
            SuppressionOutbox o = SuppressionOutbox.load(spool, 10);
            assertThat(o.add(put("a@far.test"))).isTrue();
            assertThat(o.add(new SuppressionChange.Removal("example.test", "b@far.test"))).isTrue();
            assertThat(o.waiting("*:a@far.test")).isTrue();
            assertThat(o.hasUnstored()).isTrue();
            o.storeWaiting();
            assertThat(o.hasUnstored()).isFalse();
            assertThat(o.add(put("c@far.test"))).isTrue(); // not stored: lost in a crash, kept by close()
        }
        try (Spool spool = Spool.open(dir.resolve("spool"), 0)) {
            SuppressionOutbox o = SuppressionOutbox.load(spool, 10);
            List<SuppressionOutbox.Item> items = o.peek(10);
            assertThat(items).extracting(i -> i.change).containsExactly(put("a@far.test"),
                    new SuppressionChange.Removal("example.test", "b@far.test"));
            o.published(items.subList(0, 1));
            assertThat(o.waiting("*:a@far.test")).isFalse();
            assertThat(o.add(put("d@far.test"))).isTrue();
            o.close();
        }
        try (Spool spool = Spool.open(dir.resolve("spool"), 0)) {
            SuppressionOutbox o = SuppressionOutbox.load(spool, 10);
            assertThat(o.peek(10)).extracting(i -> i.change).containsExactly(
                    new SuppressionChange.Removal("example.test", "b@far.test"), put("d@far.test"));
        }
    }

    @Test
    void beyondItsCapacityAChangeIsRefusedAndCounted() throws Exception {
        try (Spool spool = Spool.open(dir.resolve("spool"), 0)) {
            SuppressionOutbox o = SuppressionOutbox.load(spool, 2);
            assertThat(o.add(put("a@far.test"))).isTrue();
            assertThat(o.add(put("b@far.test"))).isTrue();
            assertThat(o.add(put("c@far.test"))).isFalse();
            assertThat(o.overflowed()).isEqualTo(1);
            assertThat(o.size()).isEqualTo(2);
        }
    }
}
