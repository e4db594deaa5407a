package sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.config.LogConfig;
import sluice.testkit.MutableClock;

class DeliveryLogRotationTest {
    private static final Instant DAY1 = Instant.parse("2024-03-01T23:59:00Z");

    @TempDir
    Path dir;

    private Path current() {
        return dir.resolve("log/delivery.jsonl");
    }

    private LogConfig policy(long maxSize, boolean compress, Duration retention, int maxFiles) {
        return new LogConfig(current(), maxSize, true, retention, maxFiles, compress);
    }

    private static DeliveryEvent event(Instant ts, int i) {
        return new DeliveryEvent.QueueAction(ts, "held", "Q" + i, "<m" + i + "@example.test>", "a@example.test",
                "padding padding padding padding padding padding");
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(current().getParent())) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private void publishSlowly(DeliveryLog log, MutableClock clock, int from, int to) throws InterruptedException {
        for (int i = from; i < to; i++) {
            log.publish(event(clock.instant(), i));
            if (i % 7 == 0) Thread.sleep(5); // the subject: events arrive over time, so the writer makes several batches
        }
    }

    @Test
    void sizeRotationKeepsEveryLineWholeAndInOrder() throws Exception {
        MutableClock clock = new MutableClock(DAY1.minus(Duration.ofHours(1)));
        try (DeliveryLog log = DeliveryLog.open(policy(1000, false, Duration.ofDays(30), 0), clock)) {
            publishSlowly(log, clock, 0, 200);
        }

        List<String> names = names();
        assertThat(names).contains("delivery.jsonl", "delivery.jsonl.2024-03-01.1", "delivery.jsonl.2024-03-01.2");
        for (String n : names) assertThat(Files.size(current().resolveSibling(n))).isLessThanOrEqualTo(1000);
        List<JsonNode> all = DeliveryLogReader.readAll(current(), null);
        assertThat(all).extracting(n -> n.path("queue_id").asText())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 200).mapToObj(i -> "Q" + i).toList());
    }

    @Test
    void dayRotationNamesTheFileByItsDayAndCompressesIt() throws Exception {
        MutableClock clock = new MutableClock(DAY1);
        try (DeliveryLog log = DeliveryLog.open(policy(100L << 20, true, Duration.ofDays(30), 0), clock)) {
            publishSlowly(log, clock, 0, 50);
            // the writer is asynchronous: day 1's lines must be on disk before the clock passes midnight
            Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                    .until(() -> Files.exists(current()) && Files.readAllLines(current()).size() == 50);
            clock.advance(Duration.ofMinutes(2)); // past midnight UTC
            publishSlowly(log, clock, 50, 80);
        }

        assertThat(names()).containsExactly("delivery.jsonl", "delivery.jsonl.2024-03-01.1.gz");
        assertThat(DeliveryLogReader.readAll(current(), null)).hasSize(80);
        assertThat(Files.readAllLines(current())).hasSize(30);
        // since: the rotated file, last written before, is not even opened
        Files.setLastModifiedTime(current().resolveSibling("delivery.jsonl.2024-03-01.1.gz"),
                FileTime.from(DAY1));
        assertThat(DeliveryLogReader.readAll(current(), DAY1.plus(Duration.ofMinutes(1)))).hasSize(30);
    }

    @Test
    void sizeAndDayRotationsWithCompressionLoseNoLine() throws Exception {
        MutableClock clock = new MutableClock(DAY1.minus(Duration.ofMinutes(30)));
        try (DeliveryLog log = DeliveryLog.open(policy(2000, true, Duration.ofDays(30), 0), clock)) {
            for (int round = 0; round < 3; round++) {
                publishSlowly(log, clock, round * 100, round * 100 + 100);
                clock.advance(Duration.ofMinutes(20));
            }
        }

        assertThat(names()).anyMatch(n -> n.startsWith("delivery.jsonl.2024-03-01.") && n.endsWith(".gz"))
                .anyMatch(n -> n.startsWith("delivery.jsonl.2024-03-02.") && n.endsWith(".gz"))
                .noneMatch(n -> n.endsWith(".tmp"));
        List<JsonNode> all = DeliveryLogReader.readAll(current(), null);
        assertThat(all).hasSize(300);
        assertThat(all).extracting(n -> n.path("queue_id").asText()).doesNotHaveDuplicates();
    }

    @Test
    void retentionAndMaxFilesDeleteTheOldestRotatedFiles() throws Exception {
        Files.createDirectories(current().getParent());
        Path old = Files.writeString(current().resolveSibling("delivery.jsonl.2024-01-01.1.gz"), "");
        Files.setLastModifiedTime(old, FileTime.from(DAY1.minus(Duration.ofDays(40))));
        Path recent = Files.writeString(current().resolveSibling("delivery.jsonl.2024-02-20.1"), "{}\n");
        Files.setLastModifiedTime(recent, FileTime.from(DAY1.minus(Duration.ofDays(10))));
        Path other = Files.writeString(current().resolveSibling("other.txt"), "keep");

        MutableClock clock = new MutableClock(DAY1);
        try (DeliveryLog log = DeliveryLog.open(policy(1000, false, Duration.ofDays(30), 2), clock)) {
            assertThat(Files.exists(old)).isFalse(); // at start-up already
            publishSlowly(log, clock, 0, 100);
        }

        List<String> names = names();
        assertThat(names).contains("other.txt", "delivery.jsonl").doesNotContain("delivery.jsonl.2024-02-20.1");
        assertThat(names.stream().filter(n -> n.startsWith("delivery.jsonl.2024-03-01."))).hasSize(2);
        assertThat(Files.exists(other)).isTrue();
    }

    @Test
    void openWithAPathNeverRotates() throws Exception {
        try (DeliveryLog log = DeliveryLog.open(current())) {
            for (int i = 0; i < 100; i++) log.publish(event(Instant.now(), i));
        }
        assertThat(names()).containsExactly("delivery.jsonl");
        assertThat(DeliveryLogReader.readAll(current(), null)).hasSize(100);
    }
}
