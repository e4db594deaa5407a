package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TestDnsServer;

/** The statistics, event feed and API description, read with curl as an operator's script would. */
class AdminApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode curl(SluiceHarness s, String path, boolean token) throws Exception {
        String base = "http://" + s.config().admin().address();
        Peer.Result r = token
                ? Peer.run(java.util.List.of("curl", "-sS", "--fail-with-body", "-H", "Authorization: Bearer "
                        + Files.readString(s.config().admin().tokenFile()).strip(), base + path), null, 30)
                : Peer.run(java.util.List.of("curl", "-sS", "--fail-with-body", base + path), null, 30);
        assertThat(r.exit()).as(r.output()).isZero();
        return JSON.readTree(r.output());
    }

    private static Peer.Result post(SluiceHarness s, String path, String body) throws Exception {
        return Peer.run(java.util.List.of("curl", "-sS", "-w", "\n%{http_code}", "-H", "Content-Type: application/json",
                "-H", "Authorization: Bearer " + Files.readString(s.config().admin().tokenFile()).strip(),
                "--data-binary", body, "http://" + s.config().admin().address() + path), null, 30);
    }

    private static int status(Peer.Result r) {
        String out = r.output().strip();
        return Integer.parseInt(out.substring(out.lastIndexOf('\n') + 1));
    }

    private static JsonNode body(Peer.Result r) throws Exception {
        String out = r.output().strip();
        return JSON.readTree(out.substring(0, out.lastIndexOf('\n')));
    }

    @Test
    void oneActionOnManyMessagesAnswersPerIdInOrder() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[\"127.0.0.0/8\"]", "")) {
            for (int i = 0; i < 40; i++) s.sendMx("a@far.test", "Subject: " + i + "\n\nx\n", "bob@example.test");
            java.util.List<String> ids = new java.util.ArrayList<>(s.queue().stream().map(m -> m.id()).toList());
            assertThat(ids).hasSize(40);
            ids.add(20, "NOSUCHID");
            Peer.Result held = post(s, "/api/v1/queue-actions", JSON.writeValueAsString(java.util.Map.of("action", "hold", "ids", ids)));
            assertThat(status(held)).as(held.output()).isEqualTo(200);
            JsonNode results = body(held).path("results");
            assertThat(results).hasSize(41);
            for (int i = 0; i < 41; i++) {
                assertThat(results.get(i).path("id").asText()).isEqualTo(ids.get(i));
                if (i == 20) {
                    assertThat(results.get(i).path("status").asInt()).isEqualTo(404);
                } else {
                    assertThat(results.get(i).path("result").asText()).isEqualTo("held");
                }
            }
            assertThat(s.queue()).allMatch(m -> m.state().held());
            Peer.Result deleted = post(s, "/api/v1/queue-actions", JSON.writeValueAsString(java.util.Map.of("action", "delete", "ids", ids)));
            assertThat(status(deleted)).isEqualTo(200);
            assertThat(s.queue()).isEmpty();
        }
    }

    @Test
    void aBadBulkRequestIs400AndNamesTheProblem() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            String many = JSON.writeValueAsString(java.util.Map.of("action", "hold",
                    "ids", java.util.Collections.nCopies(10_001, "X")));
            String[][] cases = {
                    {"{nope", "not valid JSON"},
                    {"{\"action\":\"explode\",\"ids\":[]}", "\"action\": one of hold, release, retry, delete, bounce"},
                    {"{\"action\":\"hold\"}", "\"ids\": an array"},
                    {"{\"action\":\"hold\",\"ids\":[1]}", "every element must be a string"},
                    {many, "at most 10000 per request"},
            };
            for (String[] c : cases) {
                Peer.Result r = post(s, "/api/v1/queue-actions", c[0]);
                assertThat(status(r)).as(c[1]).isEqualTo(400);
                assertThat(body(r).path("error").asText()).contains(c[1]);
            }
        }
    }

    @Test
    void statsAndTheFeedReflectWhatHappenedAndTheDescriptionIsPublic() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start();
             FakeSmtpServer mx = FakeSmtpServer.start(b -> b.rcptReply("nobody@far.test", 550, "5.1.1 No such user"))) {
            dns.mx("far.test", 10, "mx1.far.test").a("mx1.far.test", "127.0.0.1");
            try (SluiceHarness s = SluiceHarness.start("[\"127.0.0.0/8\"]", """
                    [delivery]
                    mx_port = %d
                    dns_servers = ["%s"]
                    """.formatted(mx.port(), dns.address()))) {
                s.sendMx("postmaster@example.test", "Subject: stats\n\nx\n", "ok@far.test", "nobody@far.test");
                s.awaitEmptyQueue(Duration.ofSeconds(20));

                JsonNode stats = curl(s, "/api/v1/stats", true);
                JsonNode hour = stats.path("windows").path("1h");
                assertThat(hour.path("received").asLong()).isEqualTo(2); // the message and its DSN
                assertThat(hour.path("delivered").asLong()).isEqualTo(2); // ok@far.test and the DSN to postmaster
                assertThat(hour.path("bounced").asLong()).isEqualTo(1);
                // remote outcomes only: ok@far.test delivered, nobody@far.test bounced (the DSN was delivered locally)
                assertThat(hour.path("bounce_rate").asDouble()).isEqualTo(0.5);
                assertThat(hour.path("replies").path("5xx").asLong()).isEqualTo(1);
                assertThat(hour.path("codes").toString()).contains("550 5.1.1").contains("No such user");
                assertThat(stats.path("series").path("1h")).hasSize(60);
                assertThat(stats.path("queue").path("total").asLong()).isZero();
                assertThat(stats.path("bounce_rate_threshold").asDouble()).isEqualTo(0.03);

                JsonNode feed = curl(s, "/api/v1/events?q=nobody@far.test", true);
                assertThat(feed).extracting(n -> n.path("event").asText()).contains("bounced", "received");
                assertThat(curl(s, "/api/v1/openapi.json", false).path("openapi").asText()).startsWith("3.");
                assertThat(curl(s, "/api/v1/openapi.json", false).path("paths").has("/api/v1/messages")).isTrue();

                // /metrics needs no token, carries the CONTRACT names, and passes Prometheus' own checker.
                Peer.Result metrics = Peer.run(java.util.List.of("curl", "-sS", "--fail-with-body",
                        "http://" + s.config().admin().address() + "/metrics"), null, 30);
                assertThat(metrics.exit()).as(metrics.output()).isZero();
                assertThat(metrics.output()).contains("sluice_connections_total{listener=\"mx\",port=\"" + s.mx + "\"} 1")
                        .contains("sluice_messages_received_total{listener=\"" + s.mx + "\"} 1")
                        .contains("sluice_deliveries_total{result=\"bounced\"} 1")
                        .contains("sluice_deliveries_total{result=\"delivered\"} 2")
                        .contains("sluice_replies_total{class=\"5xx\",code=\"550\",direction=\"outbound\"} 1")
                        .contains("sluice_queue_messages{state=\"ready\"} 0")
                        .contains("sluice_delivery_duration_seconds_bucket").contains("sluice_tls_sessions_total")
                        .contains("sluice_auth_total{result=\"success\"} 0").contains("sluice_alert_active{kind=\"bounce_rate\"}")
                        .contains("sluice_spool_bytes").contains("sluice_disk_free_bytes")
                        .contains("sluice_disk_reserve_bytes 2.68435456E8");
                assertThat(metrics.output()).contains("sluice_bounce_class_total{class=\"invalid_recipient\",result=\"bounced\"} 1");
                assertThat(stats.path("windows").path("1h").path("bounce_classes").path("invalid_recipient").asLong()).isEqualTo(1);

                // The hard bounce put nobody@far.test on the suppression list for postmaster's domain; the API shows
                // it, removes it, and adds others.
                String token = Files.readString(s.config().admin().tokenFile()).strip();
                String base = "http://" + s.config().admin().address();
                JsonNode list = curl(s, "/api/v1/suppression", true);
                assertThat(list.toString()).contains("nobody@far.test").contains("example.test").contains("hard bounce 550 5.1.1");
                Peer.Result removed = Peer.run(java.util.List.of("curl", "-sS", "--fail-with-body", "-X", "DELETE", "-H",
                        "Authorization: Bearer " + token, base + "/api/v1/suppression/nobody@far.test?domain=example.test"), null, 30);
                assertThat(removed.exit()).as(removed.output()).isZero();
                Peer.Result added = Peer.run(java.util.List.of("curl", "-sS", "--fail-with-body", "-H", "Authorization: Bearer " + token,
                        "-H", "Content-Type: application/json", "--data", "{\"address\":\"spamtrap@far.test\",\"reason\":\"complaint\"}",
                        base + "/api/v1/suppression"), null, 30);
                assertThat(added.exit()).as(added.output()).isZero();
                assertThat(curl(s, "/api/v1/suppression", true).toString()).contains("spamtrap@far.test").doesNotContain("nobody@far.test");
                Peer.Result bad = Peer.run(java.util.List.of("curl", "-sS", "-w", "\n%{http_code}", "-H", "Authorization: Bearer " + token,
                        "--data", "not json", base + "/api/v1/suppression"), null, 30);
                assertThat(bad.output()).contains("\"error\":\"the body is not valid JSON").contains("expected {").endsWith("400");
                Peer.Result notListed = Peer.run(java.util.List.of("curl", "-sS", "-w", "\n%{http_code}", "-X", "DELETE", "-H",
                        "Authorization: Bearer " + token, base + "/api/v1/suppression/nobody@far.test"), null, 30);
                assertThat(notListed.output()).contains("is not on the list for *").endsWith("404");
                if (Peer.available("promtool")) {
                    Peer.Result lint = Peer.run(java.util.List.of("promtool", "check", "metrics"), metrics.output(), 30);
                    assertThat(lint.exit()).as(lint.output()).isZero();
                }
            }
        }
    }
}
