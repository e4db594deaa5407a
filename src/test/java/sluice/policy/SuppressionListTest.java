package sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.spool.Spool;
import sluice.testkit.MutableClock;

class SuppressionListTest {
    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
        open.clear();
    }

    private SuppressionList open() throws Exception {
        return open(SuppressionList.DEFAULT_BUFFER);
    }

    private SuppressionList open(int buffer) throws Exception {
        Spool spool = Spool.open(dir.resolve("spool"), 0);
        open.add(spool);
        SuppressionList list = SuppressionList.open(spool, dir, clock, buffer);
        open.add(list);
        return list;
    }

    @Test
    void anOpenThatFailsLeavesNoWriterThreadRunning() throws Exception {
        Set<Thread> before = writerThreads(); // other tests' lists are not this test's business
        Spool spool = Spool.open(dir.resolve("spool"), 0);
        spool.close(); // the index cannot be loaded from a closed spool
        assertThatThrownBy(() -> SuppressionList.open(spool, dir, clock)).isInstanceOf(IOException.class);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> before.containsAll(writerThreads()));
    }

    private static Set<Thread> writerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("suppression-writer") && t.isAlive()).collect(Collectors.toSet());
    }

    private void restart() throws Exception {
        close();
    }

    private static List<SuppressionList.Entry> all(SuppressionList list) throws IOException {
        List<SuppressionList.Entry> out = new ArrayList<>();
        String after = null;
        do {
            SuppressionList.Page p = list.page(after, 1000);
            out.addAll(p.entries());
            after = p.next();
        } while (after != null);
        return out;
    }

    @Test
    void suppressesPerSendingDomainOrForEverySender() throws Exception {
        SuppressionList list = open();
        assertThat(list.add("shop.example", "Bob@Example.ORG", "complaint")).isTrue();
        assertThat(list.add("*", "gone@example.org", "hard bounce")).isTrue();

        assertThat(list.isSuppressed("shop.example", "bob@example.org")).isTrue();
        assertThat(list.isSuppressed("SHOP.example", "BOB@example.org")).isTrue();
        assertThat(list.isSuppressed("news.example", "bob@example.org")).isFalse();
        assertThat(list.isSuppressed("news.example", "gone@example.org")).isTrue();
        assertThat(list.isSuppressed(null, "gone@example.org")).isTrue(); // the null sender
        assertThat(list.isSuppressed("", "bob@example.org")).isFalse();
        assertThat(list.find("shop.example", "BOB@example.org").reason()).isEqualTo("complaint");
        assertThat(list.find("news.example", "Gone@Example.org").reason()).isEqualTo("hard bounce");
        assertThat(list.find("news.example", "bob@example.org")).isNull();
        assertThat(all(list)).extracting(SuppressionList.Entry::domain, SuppressionList.Entry::address)
                .containsExactly(tuple("*", "gone@example.org"), tuple("shop.example", "bob@example.org"));
        assertThat(list.size()).isEqualTo(2);
    }

    @Test
    void addTwiceUpdatesTheReasonAndRemoveLiftsIt() throws Exception {
        SuppressionList list = open();
        list.add("*", "a@example.org", "first");
        assertThat(list.add("*", "<A@example.org>", "second")).isFalse();
        assertThat(all(list)).singleElement().extracting(SuppressionList.Entry::reason).isEqualTo("second");
        assertThat(list.find(null, "a@example.org").reason()).isEqualTo("second");

        assertThat(list.remove("*", "a@example.org")).isTrue();
        assertThat(list.remove("*", "a@example.org")).isFalse();
        assertThat(list.isSuppressed("x.example", "a@example.org")).isFalse();
        assertThat(list.find("x.example", "a@example.org")).isNull();
        assertThat(all(list)).isEmpty();
    }

    @Test
    void survivesARestart() throws Exception {
        SuppressionList list = open();
        list.add("shop.example", "bob@example.org", "complaint");
        list.add("*", "gone@example.org", "x");
        list.remove("*", "gone@example.org");
        restart();

        SuppressionList reopened = open();

        assertThat(reopened.isSuppressed("shop.example", "bob@example.org")).isTrue();
        assertThat(reopened.isSuppressed("shop.example", "gone@example.org")).isFalse();
        assertThat(reopened.size()).isEqualTo(1);
        assertThat(all(reopened)).singleElement().satisfies(e -> {
            assertThat(e.reason()).isEqualTo("complaint");
            assertThat(e.added()).isEqualTo(clock.instant());
        });
    }

    @Test
    void aHardBounceIsVisibleAtOnceAndStoredSoonAfter() throws Exception {
        SuppressionList list = open();
        assertThat(list.offer("Shop.Example", "Gone@far.test", "hard bounce 550 5.1.1 from mx.far.test")).isTrue();
        // visible before the writer has stored it
        assertThat(list.isSuppressed("shop.example", "gone@far.test")).isTrue();
        assertThat(list.find("shop.example", "gone@far.test").reason()).startsWith("hard bounce 550");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> list.pendingWrites() == 0 && all(list).size() == 1);
        restart();
        assertThat(open().isSuppressed("shop.example", "gone@far.test")).isTrue();
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD) // an offer that waits for room would take minutes here, not hang the build
    void aFullBufferRefusesHardBouncesCountedNeverWaiting() throws Exception {
        SuppressionList list = open(16);
        int accepted = 0;
        long slowest = 0;
        for (int i = 0; i < 50_000; i++) {
            long t = System.nanoTime();
            boolean queued = list.offer("shop.example", "u" + i + "@far.test", "hard bounce");
            slowest = Math.max(slowest, System.nanoTime() - t);
            if (!queued) continue;
            accepted++;
            // in force from the moment it is queued, whether the writer has stored it yet or not
            assertThat(list.find("shop.example", "u" + i + "@far.test")).as("u%d", i).isNotNull();
        }
        assertThat(list.refusedWrites()).isPositive().isEqualTo(50_000 - accepted);
        assertThat(Duration.ofNanos(slowest)).isLessThan(Duration.ofMillis(500)); // never waited for the disk
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> list.pendingWrites() == 0);
        int stored = accepted;
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> all(list).size() == stored);
        assertThat(list.size()).isEqualTo(accepted);
    }

    @Test
    void pagesFollowOneAnotherInKeyOrder() throws Exception {
        SuppressionList list = open();
        List<SuppressionList.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            entries.add(SuppressionList.entry(i % 2 == 0 ? "*" : "b.example", "u" + i + "@far.test", "r", clock.instant()));
        }
        assertThat(list.putAll(entries)).isEqualTo(new SuppressionList.Counts(2_500, 0));
        assertThat(list.putAll(entries.subList(0, 10))).isEqualTo(new SuppressionList.Counts(0, 10));

        SuppressionList.Page first = list.page(null, 1000);
        assertThat(first.entries()).hasSize(1000);
        assertThat(first.next()).isEqualTo("*:" + first.entries().getLast().address());
        List<SuppressionList.Entry> seen = all(list);
        assertThat(seen).hasSize(2_500).doesNotHaveDuplicates();
        assertThat(seen.getFirst().domain()).isEqualTo("*");
        assertThat(seen.getLast().domain()).isEqualTo("b.example");
        assertThatThrownBy(() -> list.page("no-colon", 10)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrentWritersLoseNothing() throws Exception {
        SuppressionList list = open();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Boolean>> done = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String address = "u" + i + "@example.org";
            boolean waits = i % 2 == 0;
            done.add(pool.submit((Callable<Boolean>) () -> waits ? list.add("*", address, "t")
                    : list.offer("*", address, "t")));
        }
        for (Future<Boolean> f : done) assertThat(f.get()).isTrue();
        pool.shutdown();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> list.pendingWrites() == 0);
        restart();

        assertThat(all(open())).hasSize(40);
    }

    @Test
    void refusesWhatIsNotAnAddressOrDomainOrAReasonForAReply() throws Exception {
        SuppressionList list = open();
        assertThatThrownBy(() -> list.add("*", "nobody", "x")).hasMessageContaining("not an address");
        assertThatThrownBy(() -> list.add("*", "a b@example.org", "x")).hasMessageContaining("not an address");
        assertThatThrownBy(() -> list.add("bad domain", "a@example.org", "x")).hasMessageContaining("not a domain");
        assertThatThrownBy(() -> list.add("*", "a@example.org", "x".repeat(201))).hasMessageContaining("at most 200");
        assertThatThrownBy(() -> list.add("*", "a@example.org", "a\r\n250 ok")).hasMessageContaining("one line");
        assertThat(list.isSuppressed("a.example", null)).isFalse();
        assertThat(list.size()).isZero();
    }

    /** The file as the SuppressionList of Sluice 0.1 wrote it (Jackson, indented, Instant.toString). */
    static final String OLD_FILE = """
            {
              "entries" : [ {
                "domain" : "*",
                "address" : "gone@example.org",
                "reason" : "hard bounce 550 5.1.1 from mx.example.org on 2026-02-01",
                "added" : "2026-02-01T08:30:00.123456Z"
              }, {
                "domain" : "shop.example",
                "address" : "bob@example.org",
                "reason" : "complaint",
                "added" : "2026-02-02T09:00:00Z"
              } ]
            }""";

    @Test
    void theOldFileIsMigratedOnceAndRenamed() throws Exception {
        Files.writeString(dir.resolve("suppression.json"), OLD_FILE);
        Files.writeString(dir.resolve("suppression.lock"), "");

        SuppressionList list = open();

        assertThat(all(list)).containsExactly(
                new SuppressionList.Entry("*", "gone@example.org", "hard bounce 550 5.1.1 from mx.example.org on 2026-02-01",
                        Instant.parse("2026-02-01T08:30:00.123456Z")),
                new SuppressionList.Entry("shop.example", "bob@example.org", "complaint", Instant.parse("2026-02-02T09:00:00Z")));
        assertThat(list.isSuppressed("news.example", "GONE@example.org")).isTrue();
        assertThat(dir.resolve("suppression.json")).doesNotExist();
        assertThat(dir.resolve("suppression.lock")).doesNotExist();
        assertThat(dir.resolve("suppression.json.migrated")).hasContent(OLD_FILE);

        // once: a later change is not undone by the old file at the next start
        list.remove("shop.example", "bob@example.org");
        restart();
        assertThat(all(open())).singleElement().extracting(SuppressionList.Entry::address).isEqualTo("gone@example.org");
    }

    @Test
    void aDamagedOldFileStopsTheStartAndNamesTheFile() throws Exception {
        Files.writeString(dir.resolve("suppression.json"), "{\"entries\": [ {\"address\": ");
        assertThatThrownBy(this::open).isInstanceOf(IOException.class)
                .hasMessageContaining(dir.resolve("suppression.json") + " is damaged: not valid JSON near line 1")
                .hasMessageNotContaining("\n");
        restart();
        Files.writeString(dir.resolve("suppression.json"), "{\"entries\": [ {\"address\": \"nobody\"} ]}");
        assertThatThrownBy(this::open).hasMessageContaining("suppression.json is damaged: entry 1: not an address");
        assertThat(dir.resolve("suppression.json")).exists();
        assertThat(dir.resolve("suppression.json.migrated")).doesNotExist();
    }
}
