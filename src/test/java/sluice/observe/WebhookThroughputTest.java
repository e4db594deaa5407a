package sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.config.WebhookConfig;
import sluice.spool.Spool;
import sluice.testkit.WebhookReceiver;

/**
 * How many events a second one endpoint takes from the outbox, to a node.js receiver on loopback that answers 200 at
 * once: 20,000 events stored (in batches of 1,000, as a busy queue would), then timed until the last is answered and
 * deleted. Prints the rate and the load average; fails below a floor far under what this machine does.
 */
class WebhookThroughputTest {
    private static final int EVENTS = 20_000;

    @TempDir
    Path dir;

    @Test
    void keepsUpWithThousandsOfEventsASecond() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.start(Map.of());
             Spool spool = Spool.open(dir.resolve("spool"), 0)) {
            WebhookConfig c = new WebhookConfig("fast", URI.create(receiver.url("/fast")), Set.copyOf(WebhookConfig.EVENTS),
                    dir.resolve("fast.secret"), null, null, Duration.ofSeconds(10), 8, WebhookConfig.STANDARD_SCHEDULE,
                    Duration.ofHours(28), 5, Duration.ofSeconds(30));
            long start;
            try (Webhooks hooks = Webhooks.start(List.of(c), spool, Clock.systemUTC())) {
                start = System.nanoTime();
                for (int batch = 0; batch < EVENTS / 1000; batch++) {
                    List<DeliveryEvent> events = new ArrayList<>();
                    for (int i = 0; i < 1000; i++) {
                        int n = batch * 1000 + i;
                        events.add(new DeliveryEvent.Attempt(Instant.now(), "delivered", "Q" + n, null, "a@example.test",
                                "r" + n + "@dest.test", "mx.dest.test", "192.0.2.1", 25, null, 250, "2.0.0", "OK", 1, 5, 100,
                                "mx", null));
                    }
                    spool.outbox().put(hooks.outbox().recordsFor(events));
                }
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50))
                        .until(() -> hooks.status().get(0).waiting() == 0);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double rate = EVENTS / seconds;
            String load = Files.readString(Path.of("/proc/loadavg")).strip();
            System.out.printf("webhooks: %d events to one endpoint (max_in_flight 8) in %.2f s: %.0f events/s; loadavg %s%n",
                    EVENTS, seconds, rate, load);
            assertThat(receiver.fastCount()).isGreaterThanOrEqualTo(EVENTS);
            assertThat(rate).isGreaterThan(1000);
        }
    }
}
