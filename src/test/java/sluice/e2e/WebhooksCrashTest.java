package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.Dialog;
import sluice.testkit.FreePorts;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;
import sluice.testkit.WebhookReceiver;

/**
 * kill -9 of `sluice serve` while webhook events wait and while some are in flight, then a restart: every event
 * arrives, and an event that arrives twice does so with the same webhook-id.
 */
class WebhooksCrashTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MESSAGES = 30;

    @TempDir
    Path dir;

    @Test
    void noEventIsLostToKillDashNine() throws Exception {
        String secret = WebhooksEndToEndTest.newSecret();
        Files.writeString(dir.resolve("down.secret"), secret);
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        try (WebhookReceiver receiver = WebhookReceiver.start(Map.of("/down", List.of(secret)))) {
            Path config = SluiceHarness.writeConfig(dir, ports, "[]", """
                    [delivery]
                    retry_schedule = ["1s"]

                    [[webhooks]]
                    name = "down"
                    url = "%s"
                    events = ["received", "delivered"]
                    secret_file = "%s"
                    retry_schedule = ["300ms"]
                    breaker_failures = 3
                    probe_interval = "500ms"
                    """.formatted(receiver.url("/down"), dir.resolve("down.secret")));
            Set<String> queued = new HashSet<>();
            try (SluiceProcess server = SluiceProcess.start("serve", "--config", config.toString())) {
                assertThat(server.awaitReady(60)).as(server.output()).isTrue();
                for (int i = 0; i < MESSAGES; i++) queued.add(send(ports[0], i));
                // Every event stored while the endpoint answers 503...
                await().atMost(Duration.ofSeconds(60)).until(() -> waiting(ports[4]) == 2L * MESSAGES);
                // ...then it answers (slowly), and the kill lands while some are sent and others in flight.
                receiver.mode("up");
                await().atMost(Duration.ofSeconds(30)).until(() -> delivered(receiver).size() >= 10);
                server.kill();
            }
            int before = delivered(receiver).size();
            assertThat(before).as("the kill came before the last event was sent").isLessThan(2 * MESSAGES);
            try (SluiceProcess server = SluiceProcess.start("serve", "--config", config.toString())) {
                assertThat(server.awaitReady(60)).as(server.output()).isTrue();
                await().atMost(Duration.ofSeconds(60)).until(() -> delivered(receiver).size() == 2 * MESSAGES);
                await().atMost(Duration.ofSeconds(10)).until(() -> waiting(ports[4]) == 0);
            }
            List<JsonNode> all = receiver.records();
            assertThat(all).allSatisfy(r -> assertThat(r.path("verified").get(0).asBoolean()).isTrue());
            // One webhook-id per (message, event), whatever was sent twice around the crash.
            Map<String, Set<String>> idsPerEvent = new HashMap<>();
            for (JsonNode r : all) {
                JsonNode body = JSON.readTree(r.path("body").asText());
                idsPerEvent.computeIfAbsent(body.path("data").path("queue_id").asText() + " " + body.path("type").asText(),
                        k -> new HashSet<>()).add(r.path("id").asText());
            }
            assertThat(idsPerEvent).hasSize(2 * MESSAGES).allSatisfy((k, ids) -> assertThat(ids).as(k).hasSize(1));
            Set<String> reported = new HashSet<>();
            idsPerEvent.keySet().forEach(k -> reported.add(k.split(" ")[0]));
            assertThat(reported).isEqualTo(queued);
            long twice = all.stream().filter(r -> r.path("status").asInt() == 200).count() - 2L * MESSAGES;
            System.out.println("webhooks crash test: " + before + " of " + 2 * MESSAGES + " delivered before the kill; "
                    + twice + " delivered twice (same id)");
        }
    }

    /** The distinct webhook-ids answered 200. */
    private static Set<String> delivered(WebhookReceiver receiver) throws Exception {
        Set<String> out = new HashSet<>();
        for (JsonNode r : receiver.records()) if (r.path("status").asInt() == 200) out.add(r.path("id").asText());
        return out;
    }

    private long waiting(int adminPort) throws Exception {
        Path token = dir.resolve("data/admin.token");
        if (!Files.exists(token)) return -1;
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + adminPort + "/api/v1/webhooks"))
                .header("Authorization", "Bearer " + Files.readString(token).strip()).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body()).path("endpoints").get(0).path("waiting").asLong();
    }

    private static String send(int port, int i) throws Exception {
        try (Dialog d = new Dialog(port)) {
            d.expect();
            d.ask("EHLO client.test");
            d.ask("MAIL FROM:<sender@far.test>");
            assertThat(d.ask("RCPT TO:<alice@example.test>")).startsWith("250");
            d.ask("DATA");
            String r = d.ask("Subject: m" + i + "\r\n\r\nbody\r\n.");
            assertThat(r).startsWith("250");
            return r.substring(r.lastIndexOf(' ') + 1);
        }
    }
}
