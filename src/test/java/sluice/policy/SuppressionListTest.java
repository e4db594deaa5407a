package sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.MutableClock;

class SuppressionListTest {
    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));

    @Test
    void suppressesPerSendingDomainOrForEverySender() throws Exception {
        SuppressionList list = SuppressionList.open(dir, clock);
        assertThat(list.add("shop.example", "Bob@Example.ORG", "complaint")).isTrue();
        assertThat(list.add("*", "gone@example.org", "hard bounce")).isTrue();

        assertThat(list.isSuppressed("shop.example", "bob@example.org")).isTrue();
        assertThat(list.isSuppressed("SHOP.example", "BOB@example.org")).isTrue();
        assertThat(list.isSuppressed("news.example", "bob@example.org")).isFalse();
        assertThat(list.isSuppressed("news.example", "gone@example.org")).isTrue();
        assertThat(list.isSuppressed(null, "gone@example.org")).isTrue(); // the null sender
        assertThat(list.isSuppressed("", "bob@example.org")).isFalse();
        assertThat(list.find("shop.example", "bob@example.org").reason()).isEqualTo("complaint");
        assertThat(list.list()).extracting(SuppressionList.Entry::domain, SuppressionList.Entry::address)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("*", "gone@example.org"),
                        org.assertj.core.groups.Tuple.tuple("shop.example", "bob@example.org"));
    }

    @Test
    void addTwiceUpdatesTheReasonAndRemoveLiftsIt() throws Exception {
        SuppressionList list = SuppressionList.open(dir, clock);
        list.add("*", "a@example.org", "first");
        assertThat(list.add("*", "<A@example.org>", "second")).isFalse();
        assertThat(list.list()).singleElement().extracting(SuppressionList.Entry::reason).isEqualTo("second");

        assertThat(list.remove("*", "a@example.org")).isTrue();
        assertThat(list.remove("*", "a@example.org")).isFalse();
        assertThat(list.isSuppressed("x.example", "a@example.org")).isFalse();
    }

    @Test
    void survivesARestart() throws Exception {
        SuppressionList.open(dir, clock).add("shop.example", "bob@example.org", "complaint");

        SuppressionList reopened = SuppressionList.open(dir, clock);

        assertThat(reopened.isSuppressed("shop.example", "bob@example.org")).isTrue();
        assertThat(reopened.list()).singleElement().satisfies(e -> {
            assertThat(e.reason()).isEqualTo("complaint");
            assertThat(e.added()).isEqualTo(clock.instant());
        });
    }

    @Test
    void aRunningReaderSeesAnotherWritersChangeWithinASecond() throws Exception {
        SuppressionList server = SuppressionList.open(dir, clock);
        assertThat(server.isSuppressed("*", "late@example.org")).isFalse();

        SuppressionList.open(dir, clock).add("*", "late@example.org", "cli");

        assertThat(server.isSuppressed("a.example", "late@example.org")).isFalse(); // checked less than 1 s ago
        clock.advance(Duration.ofSeconds(1));
        assertThat(server.isSuppressed("a.example", "late@example.org")).isTrue();
    }

    @Test
    void concurrentWritersLoseNothing() throws Exception {
        SuppressionList a = SuppressionList.open(dir, clock);
        SuppressionList b = SuppressionList.open(dir, clock);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Boolean>> done = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            SuppressionList target = i % 2 == 0 ? a : b;
            String address = "u" + i + "@example.org";
            done.add(pool.submit((Callable<Boolean>) () -> target.add("*", address, "t")));
        }
        for (Future<Boolean> f : done) assertThat(f.get()).isTrue();
        pool.shutdown();

        assertThat(SuppressionList.open(dir, clock).list()).hasSize(40);
    }

    @Test
    void aDamagedFileIsNeverReadAsEmpty() throws Exception {
        SuppressionList running = SuppressionList.open(dir, clock);
        running.add("*", "keep@example.org", "x");
        Files.writeString(dir.resolve("suppression.json"), "{\"entries\": [ {\"address\": ");

        assertThatThrownBy(() -> SuppressionList.open(dir, clock)).isInstanceOf(IOException.class)
                .hasMessageContaining("suppression.json is damaged");
        clock.advance(Duration.ofSeconds(2));
        assertThat(running.isSuppressed("a.example", "keep@example.org")).isTrue(); // the last good list
        assertThatThrownBy(() -> running.add("*", "new@example.org", "x")).isInstanceOf(IOException.class);
    }

    @Test
    void refusesWhatIsNotAnAddressOrDomain() throws Exception {
        SuppressionList list = SuppressionList.open(dir, clock);
        assertThatThrownBy(() -> list.add("*", "nobody", "x")).hasMessageContaining("not an address");
        assertThatThrownBy(() -> list.add("*", "a b@example.org", "x")).hasMessageContaining("not an address");
        assertThatThrownBy(() -> list.add("bad domain", "a@example.org", "x")).hasMessageContaining("not a domain");
        assertThat(list.isSuppressed("a.example", null)).isFalse();
    }
}
