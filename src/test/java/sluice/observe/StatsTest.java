package sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.MutableClock;

class StatsTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T12:00:30Z"));
    private final Stats stats = new Stats(clock);

    private DeliveryEvent.Attempt attempt(String event, String rcpt, int code, String enhanced, long ms, Duration ago) {
        return new DeliveryEvent.Attempt(clock.instant().minus(ago), event, "Q1", "<m@x>", "s@src.test", rcpt,
                "mx.far.test", "127.0.0.9", 25, "TLSv1.3", code, enhanced, "text of " + code, 1, ms, 100, "far.test", null);
    }

    private DeliveryEvent.Received received(int port, String tls, Duration ago) {
        return new DeliveryEvent.Received(clock.instant().minus(ago), "Q1", "<m@x>", "s@src.test", List.of("a@far.test"),
                port, "127.0.0.1", tls, null, 100, null);
    }

    @Test
    void windowsCountEventsRatesCodesListenersAndLatency() {
        stats.publish(received(587, "TLSv1.3", Duration.ofMinutes(1)));
        stats.publish(received(25, null, Duration.ofMinutes(2)));
        stats.publish(received(25, "TLSv1.2", Duration.ofMinutes(30)));
        for (int i = 0; i < 8; i++) stats.publish(attempt("delivered", "ok" + i + "@far.test", 250, "2.0.0", 40, Duration.ofMinutes(2)));
        stats.publish(attempt("bounced", "nobody@far.test", 550, "5.1.1", 10, Duration.ofMinutes(3)));
        stats.publish(attempt("deferred", "later@far.test", 451, "4.7.1", 10, Duration.ofMinutes(20)));
        stats.publish(attempt("delivered", "old@far.test", 250, "2.0.0", 40, Duration.ofHours(2)));

        Map<String, Object> five = stats.window(5);
        assertThat(five).containsEntry("received", 2L).containsEntry("delivered", 8L).containsEntry("bounced", 1L)
                .containsEntry("deferred", 0L).containsEntry("bounce_rate", 0.1111);
        Map<String, Object> hour = stats.window(60);
        assertThat(hour).containsEntry("received", 3L).containsEntry("deferred", 1L).containsEntry("delivered", 8L);
        assertThat(hour.get("replies")).isEqualTo(Map.of("2xx", 8L, "4xx", 1L, "5xx", 1L));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> codes = (List<Map<String, Object>>) hour.get("codes");
        assertThat(codes.get(0)).containsEntry("code", "250 2.0.0").containsEntry("count", 8L);
        assertThat(codes).anySatisfy(c -> assertThat(c).containsEntry("code", "550 5.1.1").containsEntry("text", "text of 550"));
        assertThat(hour.get("listeners").toString()).contains("25={received=2, tls=1, tls_share=0.5}")
                .contains("587={received=1, tls=1, tls_share=1.0}");
        assertThat(hour.get("latency_ms")).isEqualTo(Map.of("p50", 50L, "p90", 50L, "p99", 50L));
        assertThat(stats.window(24 * 60)).containsEntry("delivered", 9L);
    }

    @Test
    void seriesAndTheFeedAndOldBucketsAreReused() {
        stats.publish(attempt("delivered", "a@far.test", 250, "2.0.0", 5, Duration.ofMinutes(1)));
        stats.publish(attempt("bounced", "b@far.test", 550, "5.1.1", 5, Duration.ZERO));
        List<Map<String, Object>> s = stats.series(60, 1);
        assertThat(s).hasSize(60);
        assertThat(s.get(59)).containsEntry("bounced", 1L);
        assertThat(s.get(58)).containsEntry("delivered", 1L);
        assertThat(stats.recent("b@FAR", 10)).singleElement().satisfies(e -> assertThat(e).containsEntry("event", "bounced"));
        assertThat(stats.recent(null, 10)).extracting(e -> e.get("event")).containsExactly("bounced", "delivered");

        clock.advance(Duration.ofHours(25)); // a day later the same buckets are reused, not added to
        stats.publish(attempt("delivered", "c@far.test", 250, "2.0.0", 5, Duration.ZERO));
        assertThat(stats.window(24 * 60)).containsEntry("delivered", 1L).containsEntry("bounced", 0L);
    }

    @Test
    void restoreRecountsTheLastDayFromTheDeliveryLog() throws Exception {
        Path file = dir.resolve("delivery.jsonl");
        try (DeliveryLog log = DeliveryLog.open(file)) {
            log.publish(received(587, "TLSv1.3", Duration.ofMinutes(3)));
            log.publish(attempt("delivered", "a@far.test", 250, "2.0.0", 5, Duration.ofMinutes(2)));
            log.publish(attempt("bounced", "b@far.test", 550, "5.1.1", 5, Duration.ofHours(30))); // too old
        }
        Files.writeString(file, "{\"torn", java.nio.file.StandardOpenOption.APPEND);
        Stats again = new Stats(clock);
        assertThat(again.restore(file)).isEqualTo(2);
        assertThat(again.window(60)).containsEntry("received", 1L).containsEntry("delivered", 1L).containsEntry("bounced", 0L);
    }

    @Test
    void operatorAndLocalBouncesAreNotRemoteVerdicts() {
        Alerts alerts = new Alerts(stats, () -> 0, 0.03, 20, Duration.ofMinutes(30), clock);
        for (int i = 0; i < 20; i++) stats.publish(attempt("delivered", "a@far.test", 250, "2.0.0", 5, Duration.ZERO));
        for (int i = 0; i < 8; i++) { // as QueueActions logs `sluice queue bounce`: no remote host, class "other"
            stats.publish(new DeliveryEvent.Attempt(clock.instant(), "bounced", "Q" + i, null, "s@src.test", "b@far.test",
                    null, null, 0, null, 550, "5.0.0", "Bounced by the postmaster", 1, 0, 100, null, "other"));
        }
        Map<String, Object> hour = stats.window(60);
        assertThat(hour).containsEntry("bounce_rate", 0.0).containsEntry("bounced", 8L).containsEntry("local_bounced", 8L);
        assertThat(hour.get("bounce_classes")).isEqualTo(Map.of());
        assertThat(stats.completed(60)).isEqualTo(20);
        assertThat(alerts.evaluate()).isEmpty();
        assertThat(stats.series(60, 1).get(59)).containsEntry("remote_bounced", 0L).containsEntry("remote_delivered", 20L);
    }

    @Test
    void alertsForBounceRateAboveTheThresholdAndAQueueThatKeepsGrowing() {
        AtomicLong queue = new AtomicLong(10);
        Alerts alerts = new Alerts(stats, queue::get, 0.03, 20, Duration.ofMinutes(30), clock);
        for (int i = 0; i < 19; i++) stats.publish(attempt("delivered", "a@far.test", 250, "2.0.0", 5, Duration.ZERO));
        stats.publish(attempt("bounced", "b@far.test", 550, "5.1.1", 5, Duration.ZERO));
        assertThat(alerts.evaluate()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo("bounce_rate");
            assertThat(a.message()).contains("5.0%").contains("3.0%");
        });
        for (int i = 0; i < 70; i++) { // the queue grows every minute for 70 minutes; the bounces age out of the hour
            clock.advance(Duration.ofMinutes(1));
            queue.addAndGet(5);
            alerts.evaluate();
        }
        assertThat(alerts.active()).extracting(Alerts.Alert::kind).containsExactly("queue_growth");
        clock.advance(Duration.ofMinutes(1));
        queue.set(3);
        assertThat(alerts.evaluate()).isEmpty();
    }
}
