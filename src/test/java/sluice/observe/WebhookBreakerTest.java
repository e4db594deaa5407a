package sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
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
import sluice.testkit.FreePorts;
import sluice.testkit.WebhookReceiver;

/**
 * A dead endpoint (nothing listens): its circuit breaker opens after breaker_failures and then lets one probe through
 * per interval; its events are dropped, counted, once give_up_after has passed; and the live endpoint next to it
 * gets every event meanwhile.
 */
class WebhookBreakerTest {
    @TempDir
    Path dir;

    static WebhookConfig endpoint(String name, String url, Path dir, Duration giveUp) {
        return new WebhookConfig(name, URI.create(url), Set.copyOf(WebhookConfig.EVENTS), dir.resolve(name + ".secret"),
                null, null, Duration.ofSeconds(2), 8, List.of(Duration.ofMillis(50)), giveUp, 3, Duration.ofSeconds(1));
    }

    @Test
    void aDeadEndpointIsProbedThenGivenUpOnWithoutSlowingTheOther() throws Exception {
        int events = 200;
        try (WebhookReceiver receiver = WebhookReceiver.start(Map.of());
             Spool spool = Spool.open(dir.resolve("spool"), 0)) {
            WebhookConfig dead = endpoint("dead", "http://127.0.0.1:" + FreePorts.next() + "/", dir, Duration.ofSeconds(4));
            WebhookConfig live = endpoint("live", receiver.url("/fast"), dir, Duration.ofHours(28));
            try (Webhooks hooks = Webhooks.start(List.of(dead, live), spool, Clock.systemUTC())) {
                List<DeliveryEvent> batch = new ArrayList<>();
                for (int i = 0; i < events; i++) {
                    batch.add(new DeliveryEvent.Attempt(Instant.now(), "bounced", "Q" + i, null, "a@example.test",
                            "r@dest.test", null, null, 0, null, 550, "5.1.1", "no such user", 1, 5, 100, "mx", "invalid_recipient"));
                }
                spool.outbox().put(hooks.outbox().recordsFor(batch));

                await().atMost(Duration.ofSeconds(20)).until(() -> status(hooks, "live").waiting() == 0);
                assertThat(receiver.fastCount()).isEqualTo(events);
                await().atMost(Duration.ofSeconds(5)).until(() -> status(hooks, "dead").breakerOpen());
                long failedWhenOpen = status(hooks, "dead").failed();
                assertThat(status(hooks, "dead").lastError()).isEqualTo("connection refused or unreachable");

                Thread.sleep(2500); // the subject: what an open breaker sends in 2.5 s (one probe a second)
                assertThat(status(hooks, "dead").failed() - failedWhenOpen).isBetween(1L, 4L);

                await().atMost(Duration.ofSeconds(20)).until(() -> status(hooks, "dead").waiting() == 0);
                Webhooks.Status d = status(hooks, "dead");
                assertThat(d.dropped()).isEqualTo(events);
                assertThat(d.delivered()).isZero();
            }
        }
    }

    private static Webhooks.Status status(Webhooks hooks, String name) {
        return hooks.status().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }
}
