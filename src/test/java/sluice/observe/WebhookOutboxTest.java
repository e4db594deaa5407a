package sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.config.WebhookConfig;
import sluice.spool.Envelope;
import sluice.spool.QueueState;
import sluice.spool.Recipient;
import sluice.spool.OutboxFamily;
import sluice.spool.Spool;

class WebhookOutboxTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DeliveryEvent.Attempt DELIVERED = new DeliveryEvent.Attempt(
            Instant.parse("2026-12-06T10:00:00.123456Z"), "delivered", "Q1", "<m1@example.test>", "a@example.test",
            "bob@dest.test", "mx.dest.test", "192.0.2.1", 25, "TLSv1.3", 250, "2.0.0", "OK é", 1, 42, 1234,
            "mx", null);

    @TempDir
    Path dir;

    static WebhookConfig endpoint(String name, Set<String> events) {
        return new WebhookConfig(name, URI.create("http://127.0.0.1:9/" + name), events, Path.of("/nonexistent"), null,
                null, Duration.ofSeconds(5), 8, WebhookConfig.STANDARD_SCHEDULE, Duration.ofHours(28), 5,
                Duration.ofSeconds(30));
    }

    @Test
    void theBodyCarriesTheDeliveryLogLineAsData() throws Exception {
        WebhookOutbox.Draft d = WebhookOutbox.draft(DELIVERED);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        DeliveryLog.encode(DELIVERED, line);

        JsonNode body = JSON.readTree(d.body());

        assertThat(body.path("type").asText()).isEqualTo("delivered");
        assertThat(body.path("timestamp").asText()).isEqualTo("2026-12-06T10:00:00.123456Z");
        assertThat(body.path("data")).isEqualTo(JSON.readTree(line.toByteArray()));
        assertThat(d.id()).matches("msg_[0-9a-f]{32}");
    }

    @Test
    void aReplayFromTheLogLineHasTheOriginalWebhookId() throws Exception {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        DeliveryLog.encode(DELIVERED, line);
        JsonNode parsed = JSON.readTree(line.toString(StandardCharsets.UTF_8));

        WebhookOutbox.Draft replayed = WebhookOutbox.draft("delivered", DELIVERED.ts(), "Q1", JSON.writeValueAsBytes(parsed));

        WebhookOutbox.Draft original = WebhookOutbox.draft(DELIVERED);
        assertThat(replayed.id()).isEqualTo(original.id());
        assertThat(replayed.body()).isEqualTo(original.body());
    }

    @Test
    void onlySubscribedEndpointsGetAnEntryStoredWithTheMessagesCommit() throws Exception {
        try (Spool spool = Spool.open(dir, 0)) {
            WebhookOutbox outbox = WebhookOutbox.open(spool,
                    List.of(endpoint("all", Set.copyOf(WebhookConfig.EVENTS)), endpoint("bounces", Set.of("bounced"))));
            Envelope env = new Envelope("a@example.test", List.of(Recipient.pending("bob@dest.test", null, null)),
                    Instant.now(), 10, java.util.Map.of());

            spool.commit("Q1", env, QueueState.NEW, new byte[10], outbox.recordsFor(List.of(DELIVERED)));

            assertThat(spool.outbox().page(WebhookOutbox.start("all"), WebhookOutbox.end("all"), 10)).hasSize(1);
            assertThat(spool.outbox().page(WebhookOutbox.start("bounces"), WebhookOutbox.end("bounces"), 10)).isEmpty();
            assertThat(outbox.waiting("all").get()).isEqualTo(1);
            assertThat(outbox.waiting("bounces").get()).isZero();
        }
    }

    @Test
    void keysKeepCommitOrderAcrossARestartAndAnUnconfiguredEndpointsEntriesGo() throws Exception {
        WebhookConfig a = endpoint("a", Set.copyOf(WebhookConfig.EVENTS));
        WebhookConfig b = endpoint("b", Set.copyOf(WebhookConfig.EVENTS));
        try (Spool spool = Spool.open(dir, 0)) {
            WebhookOutbox outbox = WebhookOutbox.open(spool, List.of(a, b));
            spool.outbox().put(outbox.recordsFor(List.of(DELIVERED, DELIVERED)));
        }
        try (Spool spool = Spool.open(dir, 0)) {
            WebhookOutbox outbox = WebhookOutbox.open(spool, List.of(a));
            assertThat(outbox.waiting("a").get()).isEqualTo(2);
            assertThat(spool.outbox().page(WebhookOutbox.start("b"), WebhookOutbox.end("b"), 10)).as("b is gone").isEmpty();
            spool.outbox().put(outbox.recordsFor(List.of(DELIVERED)));

            List<OutboxFamily.Entry> page = spool.outbox().page(WebhookOutbox.start("a"), WebhookOutbox.end("a"), 10);
            List<Long> seqs = page.stream().map(e -> WebhookOutbox.decode(e.key(), e.value()).seq()).toList();
            assertThat(seqs).hasSize(3).isSorted().doesNotHaveDuplicates();
            assertThat(seqs.get(2)).as("numbering continues after the restart").isGreaterThan(seqs.get(1));
        }
    }
}
