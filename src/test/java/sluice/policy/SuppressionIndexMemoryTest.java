package sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.spool.Spool;

/**
 * What a million entries cost: bytes of the in-memory index per entry, and the time to load it at start. The
 * figures go into docs/reputation.md ("Suppression list").
 */
class SuppressionIndexMemoryTest {
    private static final int N = 1_000_000;
    @TempDir Path dir;

    @Test
    void aMillionEntriesCostAboutTwentyBytesEachAndLoadInSeconds() throws Exception {
        long stored;
        try (Spool spool = Spool.open(dir.resolve("spool"), 0);
             SuppressionList list = SuppressionList.open(spool, dir, Clock.systemUTC())) {
            long t = System.nanoTime();
            List<SuppressionList.Entry> batch = new ArrayList<>(10_000);
            Instant now = Instant.now();
            for (int i = 0; i < N; i++) {
                batch.add(new SuppressionList.Entry(i % 10 == 0 ? "*" : "shop" + (i % 7) + ".example",
                        "user" + i + "@far" + (i % 1000) + ".test", "hard bounce 550 5.1.1 from mx.far.test on 2026-12-06", now));
                if (batch.size() == 10_000) {
                    list.putAll(batch);
                    batch.clear();
                }
            }
            stored = System.nanoTime() - t;
            assertThat(list.size()).isEqualTo(N);
        }
        try (Spool spool = Spool.open(dir.resolve("spool"), 0)) {
            long t = System.nanoTime();
            SuppressionList list = SuppressionList.open(spool, dir, Clock.systemUTC());
            long loaded = System.nanoTime() - t;
            double perEntry = (double) list.indexBytes() / list.size();
            System.out.printf("suppression index: %,d entries stored in %.1f s, index loaded in %.1f s, %,d bytes "
                    + "(%.1f bytes per entry)%n", list.size(), stored / 1e9, loaded / 1e9, list.indexBytes(), perEntry);
            assertThat(list.size()).isEqualTo(N);
            assertThat(list.isSuppressed("shop3.example", "USER3@far3.test")).isTrue();
            assertThat(list.isSuppressed("shop4.example", "user3@far3.test")).isFalse();
            assertThat(perEntry).isLessThan(40);
            list.close();
        }
    }
}
