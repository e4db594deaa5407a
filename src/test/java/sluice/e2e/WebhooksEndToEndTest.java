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
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.Dialog;
import sluice.testkit.FreePorts;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;
import sluice.testkit.WebhookReceiver;

/**
 * Webhooks from a real node to a node.js receiver that checks every request with the official standardwebhooks
 * library: one endpoint answers 200, one fails the first two attempts of each event (500, then 503 with
 * Retry-After), one answers 410, one verifies a rotation (new and old secret each alone).
 */
class WebhooksEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MESSAGES = 20;
    private static final int REJECTIONS = 3;

    @TempDir
    Path secrets;

    static String newSecret() {
        byte[] key = new byte[24];
        new SecureRandom().nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    @Test
    void everyEventArrivesSignedInOrderWithRetriesA410AndARotation() throws Exception {
        Map<String, String> s = new LinkedHashMap<>();
        for (String name : List.of("ok", "flaky", "gone", "rot-new", "rot-old")) {
            s.put(name, newSecret());
            Files.writeString(secrets.resolve(name + ".secret"), s.get(name) + "\n");
        }
        Map<String, List<String>> verifiers = Map.of("/ok", List.of(s.get("ok")), "/flaky", List.of(s.get("flaky")),
                "/gone", List.of(s.get("gone")), "/rot", List.of(s.get("rot-new"), s.get("rot-old")));
        try (WebhookReceiver receiver = WebhookReceiver.start(verifiers);
             SluiceHarness node = SluiceHarness.start("[\"127.0.0.0/8\"]", config(receiver))) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                ids.add(node.sendMx("sender@far.test", "Subject: m" + i + "\n\nbody " + i, "alice@example.test"));
            }
            // One message the smarthost (nothing listening) defers: one "deferred" (the next try is an hour away).
            String deferredId = node.sendMx("sender@far.test", "Subject: far\n\nbody", "bob@far.test");
            for (int i = 0; i < REJECTIONS; i++) reject(node.mx, "nobody" + i + "@strict.test");
            int events = 2 * MESSAGES + 1 + 1 + REJECTIONS;
            int flakyEvents = 2 * MESSAGES + 1;

            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> distinctIds(receiver, "/ok", 200) == events);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                for (JsonNode r : receiver.records()) System.err.println("DEBUG " + r.path("path") + " " + r.path("status") + " " + r.path("body"));
                System.err.println("DEBUG " + api(node, "GET", "/api/v1/webhooks", null));
                System.err.println("DEBUG " + Files.readString(node.deliveryLog()));
                throw e;
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> distinctIds(receiver, "/flaky", 200) == flakyEvents);
            await().atMost(Duration.ofSeconds(60)).until(() -> distinctIds(receiver, "/rot", 200) == events);
            List<JsonNode> records = receiver.records();

            // Every request to every endpoint carries signatures the official verifier accepts.
            assertThat(records).isNotEmpty().allSatisfy(r -> assertThat(r.path("verified")).isNotEmpty()
                    .allSatisfy(v -> assertThat(v.asBoolean()).as("verified: %s", r).isTrue()));
            assertThat(byPath(records, "/rot")).allSatisfy(r -> assertThat(r.path("signature").asText().split(" ")).hasSize(2));

            // /ok: each event once, its data the delivery log's line.
            List<JsonNode> ok = byPath(records, "/ok");
            assertThat(ok).hasSize(events);
            Set<JsonNode> logLines = new HashSet<>();
            for (String line : Files.readAllLines(node.deliveryLog())) logLines.add(JSON.readTree(line));
            Map<String, Long> types = new LinkedHashMap<>();
            for (JsonNode r : ok) {
                JsonNode body = JSON.readTree(r.path("body").asText());
                assertThat(logLines).as("the data of %s is a line of the delivery log", body).contains(body.path("data"));
                assertThat(body.path("type").asText()).isEqualTo(body.path("data").path("event").asText());
                assertThat(body.path("timestamp").asText()).isEqualTo(body.path("data").path("ts").asText());
                types.merge(body.path("type").asText(), 1L, Long::sum);
            }
            assertThat(types).containsEntry("received", MESSAGES + 1L).containsEntry("delivered", (long) MESSAGES)
                    .containsEntry("deferred", 1L)
                    .containsEntry("rejected", (long) REJECTIONS);
            Set<String> reported = new HashSet<>();
            for (JsonNode r : ok) reported.add(JSON.readTree(r.path("body").asText()).path("data").path("queue_id").asText());
            assertThat(reported).containsAll(ids).contains(deferredId);

            // /flaky: 500, 503 + Retry-After: 1, then 200, all with the same webhook-id; the Retry-After was waited.
            Map<String, List<JsonNode>> flaky = byPath(records, "/flaky").stream()
                    .collect(Collectors.groupingBy(r -> r.path("id").asText(), LinkedHashMap::new, Collectors.toList()));
            assertThat(flaky).hasSize(flakyEvents);
            for (List<JsonNode> attempts : flaky.values()) {
                assertThat(attempts).extracting(r -> r.path("status").asInt()).containsExactly(500, 503, 200);
                assertThat(attempts.get(2).path("timestamp").asLong() - attempts.get(1).path("timestamp").asLong())
                        .as("Retry-After: 1 honoured").isGreaterThanOrEqualTo(1);
                assertThat(JSON.readTree(attempts.get(0).path("body").asText()).path("type").asText()).isIn("received", "delivered");
            }
            // ...and a message's "delivered" was not sent before its "received" succeeded.
            assertReceivedBeforeDelivered(byPath(records, "/flaky"));

            // /gone: 410 to the requests in flight at once (at most max_in_flight), then nothing: disabled, events kept.
            int goneRequests = byPath(records, "/gone").size();
            assertThat(byPath(records, "/gone")).hasSizeBetween(1, 8)
                    .allSatisfy(r -> assertThat(r.path("status").asInt()).isEqualTo(410));
            JsonNode status = api(node, "GET", "/api/v1/webhooks", null);
            Map<String, JsonNode> endpoints = new LinkedHashMap<>();
            status.path("endpoints").forEach(e -> endpoints.put(e.path("name").asText(), e));
            assertThat(endpoints.get("gone").path("disabled").asBoolean()).isTrue();
            assertThat(endpoints.get("gone").path("waiting").asLong()).isEqualTo(events);
            assertThat(endpoints.get("gone").path("last_error").asText()).isEqualTo("HTTP 410");
            await().atMost(Duration.ofSeconds(10)).until(() -> endpointStatus(node, "ok").path("waiting").asLong() == 0);
            JsonNode okStatus = endpointStatus(node, "ok");
            assertThat(okStatus.path("last_success").isTextual()).isTrue();
            assertThat(okStatus.path("disabled").asBoolean()).isFalse();
            assertThat(okStatus.path("oldest_waiting").isNull()).isTrue();
            JsonNode flakyStatus = endpointStatus(node, "flaky");
            assertThat(flakyStatus.path("failed").asLong()).isEqualTo(2L * flakyEvents);
            assertThat(flakyStatus.path("last_error").asText()).isEqualTo("HTTP 503");

            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(admin(node) + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("sluice_webhook_events_waiting{endpoint=\"ok\"} 0.0")
                    .contains("sluice_webhook_events_waiting{endpoint=\"gone\"} " + events + ".0")
                    .contains("sluice_webhook_deliveries_total{endpoint=\"flaky\",result=\"failure\"} " + 2 * flakyEvents + ".0")
                    .contains("sluice_webhook_deliveries_total{endpoint=\"ok\",result=\"success\"} " + events + ".0")
                    .contains("sluice_webhook_disabled{endpoint=\"gone\"} 1.0")
                    .contains("sluice_webhook_oldest_waiting_seconds{endpoint=\"gone\"}");

            // The CLI shows the same.
            SluiceProcess.Outcome cli = SluiceProcess.runApart(null, "webhooks", "--config", node.dir.resolve("sluice.toml").toString());
            assertThat(cli.exit()).as(cli.stderr()).isZero();
            assertThat(cli.stdout()).contains("ENDPOINT").containsPattern("gone\\s+disabled\\s+" + events)
                    .containsPattern("ok\\s+ok\\s+0").contains("sluice webhooks enable gone");

            // An operator enables the gone endpoint: it is tried again (and answers 410 again).
            assertThat(byPath(receiver.records(), "/gone")).as("nothing more while disabled").hasSize(goneRequests);
            api(node, "POST", "/api/v1/webhooks/gone/enable", "");
            await().atMost(Duration.ofSeconds(10)).until(() -> byPath(receiver.records(), "/gone").size() > goneRequests);
            await().atMost(Duration.ofSeconds(10)).until(() -> endpointStatus(node, "gone").path("disabled").asBoolean());

            // Replay of the last hour to "ok": every event again, with its first webhook-id.
            Set<String> first = ok.stream().map(r -> r.path("id").asText()).collect(Collectors.toSet());
            JsonNode replay = api(node, "POST", "/api/v1/webhooks/replay", "{\"since\": \"1h\", \"endpoint\": \"ok\"}");
            assertThat(replay.path("queued").asLong()).isEqualTo(events);
            await().atMost(Duration.ofSeconds(30)).until(() -> byPath(receiver.records(), "/ok").size() == 2 * events);
            Map<String, Long> perId = byPath(receiver.records(), "/ok").stream()
                    .collect(Collectors.groupingBy(r -> r.path("id").asText(), Collectors.counting()));
            assertThat(perId.keySet()).isEqualTo(first);
            assertThat(perId.values()).allMatch(n -> n == 2);

            // An operator's bounce of the deferred message is sent too (stored with the message's removal).
            api(node, "POST", "/api/v1/queue/" + deferredId + "/bounce", "");
            await().atMost(Duration.ofSeconds(30)).until(() -> byPath(receiver.records(), "/ok").stream().anyMatch(r -> {
                try {
                    JsonNode b = JSON.readTree(r.path("body").asText());
                    return b.path("type").asText().equals("bounced") && b.path("data").path("queue_id").asText().equals(deferredId);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
    }

    @Test
    void replayAndEnableAnswerClearErrors() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.start(Map.of());
             SluiceHarness node = SluiceHarness.start("[]", "[[webhooks]]\nname = \"ok\"\nurl = \"" + receiver.url("/ok")
                     + "\"\nsecret_file = \"" + secrets.resolve("x.secret") + "\"\n")) {
            assertThat(Files.readString(secrets.resolve("x.secret"))).startsWith("whsec_");
            assertThat(apiStatus(node, "POST", "/api/v1/webhooks/replay", "{\"since\": \"yesterday\"}")).isEqualTo(400);
            assertThat(apiStatus(node, "POST", "/api/v1/webhooks/replay", "{}")).isEqualTo(400);
            assertThat(apiStatus(node, "POST", "/api/v1/webhooks/replay", "{\"since\": \"1h\", \"endpoint\": \"nope\"}"))
                    .isEqualTo(404);
            assertThat(apiStatus(node, "POST", "/api/v1/webhooks/nope/enable", "")).isEqualTo(404);
            JsonNode openapi = JSON.readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(admin(node) + "/api/v1/openapi.json")).build(), HttpResponse.BodyHandlers.ofString()).body());
            assertThat(openapi.path("paths").has("/api/v1/webhooks")).isTrue();
            assertThat(openapi.path("paths").has("/api/v1/webhooks/replay")).isTrue();
            SluiceProcess.Outcome cli = SluiceProcess.runApart(null, "webhooks", "replay", "--since", "soon",
                    "--config", node.dir.resolve("sluice.toml").toString());
            assertThat(cli.exit()).isEqualTo(1);
            assertThat(cli.stderr().strip()).doesNotContain("\n").contains("\"since\" must be an RFC 3339 time");
            SluiceProcess.Outcome help = SluiceProcess.runApart(null, "webhooks", "replay", "--help");
            assertThat(help.exit()).isZero();
            assertThat(help.stdout()).contains("--since").contains("--endpoint");
        }
    }

    private String secret(String file) {
        return secrets.resolve(file).toString();
    }

    private String config(WebhookReceiver receiver) {
        return """
                [delivery]
                retry_schedule = ["1h"]

                [[delivery.smarthosts]]
                domains = ["far.test"]
                host = "127.0.0.1"
                ports = [%d]
                tls = "opportunistic"

                [[webhooks]]
                name = "ok"
                url = "%s"
                secret_file = "%s"

                [[webhooks]]
                name = "flaky"
                url = "%s"
                events = ["received", "delivered"]
                secret_file = "%s"
                retry_schedule = ["200ms", "200ms"]
                breaker_failures = 1000

                [[webhooks]]
                name = "gone"
                url = "%s"
                secret_file = "%s"

                [[webhooks]]
                name = "rot"
                url = "%s"
                secret_file = "%s"
                previous_secret_file = "%s"
                """.formatted(FreePorts.next(), receiver.url("/ok"), secret("ok.secret"), receiver.url("/flaky"), secret("flaky.secret"),
                receiver.url("/gone"), secret("gone.secret"), receiver.url("/rot"), secret("rot-new.secret"),
                secret("rot-old.secret"));
    }

    private void reject(int port, String rcpt) throws Exception {
        try (Dialog d = new Dialog(port)) {
            d.expect();
            d.ask("EHLO client.test");
            d.ask("MAIL FROM:<sender@far.test>");
            assertThat(d.ask("RCPT TO:<" + rcpt + ">")).startsWith("5");
            d.ask("QUIT");
        }
    }

    private static void assertReceivedBeforeDelivered(List<JsonNode> records) throws Exception {
        Map<String, Integer> receivedOkAt = new LinkedHashMap<>();
        for (int i = 0; i < records.size(); i++) {
            JsonNode body = JSON.readTree(records.get(i).path("body").asText());
            String q = body.path("data").path("queue_id").asText();
            String type = body.path("type").asText();
            if (type.equals("received") && records.get(i).path("status").asInt() == 200) receivedOkAt.putIfAbsent(q, i);
            if (type.equals("delivered")) {
                assertThat(receivedOkAt).as("delivered of %s sent before its received succeeded", q).containsKey(q);
            }
        }
    }

    private static List<JsonNode> byPath(List<JsonNode> records, String path) {
        return records.stream().filter(r -> r.path("path").asText().equals(path)).toList();
    }

    private static long distinctIds(WebhookReceiver receiver, String path, int status) throws Exception {
        return receiver.records().stream().filter(r -> r.path("path").asText().equals(path) && r.path("status").asInt() == status)
                .map(r -> r.path("id").asText()).distinct().count();
    }

    private static String admin(SluiceHarness node) {
        return "http://" + node.config().admin().address();
    }

    private static JsonNode endpointStatus(SluiceHarness node, String name) throws Exception {
        for (JsonNode e : api(node, "GET", "/api/v1/webhooks", null).path("endpoints")) {
            if (e.path("name").asText().equals(name)) return e;
        }
        throw new AssertionError("no endpoint " + name);
    }

    private static HttpResponse<String> call(SluiceHarness node, String method, String path, String body) throws Exception {
        String token = Files.readString(node.config().admin().tokenFile()).strip();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(admin(node) + path)).header("Authorization", "Bearer " + token);
        b = body == null ? b.GET() : b.method(method, HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode api(SluiceHarness node, String method, String path, String body) throws Exception {
        HttpResponse<String> r = call(node, method, path, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static int apiStatus(SluiceHarness node, String method, String path, String body) throws Exception {
        HttpResponse<String> r = call(node, method, path, body);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/json");
        assertThat(JSON.readTree(r.body()).path("error").isTextual()).as(r.body()).isTrue();
        return r.statusCode();
    }
}
