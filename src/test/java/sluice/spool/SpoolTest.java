package sluice.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    @TempDir
    Path dir;

    static Envelope envelope(String sender, String... rcpts) {
        return new Envelope(sender, java.util.Arrays.stream(rcpts).map(r -> Recipient.pending(r, "rfc822;" + r, "FAILURE")).toList(),
                Instant.ofEpochMilli(1_700_000_000_000L), 5, Map.of("listener", "25", "envid", "E1"));
    }

    @Test
    void roundTripSurvivesReopen() throws Exception {
        String id;
        try (Spool s = Spool.open(dir, 0)) {
            id = s.newId();
            s.commit(id, envelope("a@x.test", "b@y.test", "c@y.test"), "hello".getBytes(StandardCharsets.US_ASCII));
        }
        try (Spool s = Spool.open(dir, 0)) {
            QueuedMessage m = s.find(id).orElseThrow();
            assertThat(m.envelope()).isEqualTo(envelope("a@x.test", "b@y.test", "c@y.test"));
            assertThat(m.state()).isEqualTo(QueueState.NEW);
            assertThat(new String(s.readData(id).orElseThrow(), StandardCharsets.US_ASCII)).isEqualTo("hello");
            QueueState held = new QueueState(true, Instant.ofEpochMilli(1_800_000_000_000L), 2, "451 4.4.1 try later");
            s.update(id, m.envelope(), held);
            assertThat(s.find(id).orElseThrow().state()).isEqualTo(held);
            s.remove(id);
            assertThat(s.find(id)).isEmpty();
            assertThat(s.readData(id)).isEmpty();
            assertThatThrownBy(() -> s.update(id, m.envelope(), held)).isInstanceOf(SpoolException.class);
        }
    }

    @Test
    void idsAreUniqueAndSortByTime() throws Exception {
        Set<String> ids = new HashSet<>();
        try (Spool a = Spool.open(dir.resolve("a"), 0); Spool b = Spool.open(dir.resolve("b"), 0)) {
            for (int i = 0; i < 50_000; i++) {
                assertThat(ids.add(a.newId())).isTrue();
                assertThat(ids.add(b.newId())).isTrue();
            }
            String first = a.newId();
            Thread.sleep(2); // the subject: ids made in a later millisecond sort after earlier ones
            assertThat(a.newId()).isGreaterThan(first);
        }
        assertThat(ids).allMatch(QueueIds::plausible);
    }

    @Test
    void concurrentCommitsShareSyncs() throws Exception {
        Set<String> ids = ConcurrentHashMap.newKeySet();
        byte[] data = new byte[4096];
        long syncs;
        long commits;
        try (Spool s = Spool.open(dir, 0); var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 100; t++) {
                pool.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        String id = s.newId();
                        s.commit(id, envelope("a@x.test", "b@y.test"), data);
                        ids.add(id);
                    }
                    return null;
                });
            }
            pool.shutdown();
            pool.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS);
            syncs = s.syncs();
            commits = s.commits();
        }
        assertThat(ids).hasSize(2000);
        assertThat(commits).isEqualTo(2000);
        // group commit: far fewer synced writes than messages
        assertThat(syncs).isLessThan(commits / 2);
        try (Spool s = Spool.open(dir, 0)) {
            List<QueuedMessage> all = s.list();
            assertThat(all).extracting(QueuedMessage::id).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(all).extracting(QueuedMessage::id).isSorted();
        }
    }

    @Test
    void readOnlyViewSeesAWritersCommitsAndCannotWrite() throws Exception {
        try (Spool writer = Spool.open(dir, 0)) {
            String id = writer.newId();
            writer.commit(id, envelope("a@x.test", "b@y.test"), new byte[] {1, 2, 3});
            try (Spool view = Spool.openReadOnly(dir)) {
                assertThat(view.find(id)).isPresent();
                assertThat(view.readData(id).orElseThrow()).containsExactly(1, 2, 3);
                assertThatThrownBy(() -> view.commit(view.newId(), envelope("a@x.test", "b@y.test"), new byte[0]))
                        .isInstanceOf(SpoolException.class).hasMessageContaining("read-only");
            }
        }
    }

    @Test
    void diskReserve() throws Exception {
        try (Spool none = Spool.open(dir.resolve("a"), 0); Spool huge = Spool.open(dir.resolve("b"), Long.MAX_VALUE)) {
            assertThat(none.hasDiskReserve()).isTrue();
            assertThat(huge.hasDiskReserve()).isFalse();
        }
    }

    @Test
    void closedSpoolRefusesWrites() throws Exception {
        Spool s = Spool.open(dir, 0);
        s.close();
        s.close(); // idempotent
        assertThatThrownBy(() -> s.commit("0000000000000000", envelope("a@x.test", "b@y.test"), new byte[0]))
                .isInstanceOf(SpoolException.class);
    }
}
