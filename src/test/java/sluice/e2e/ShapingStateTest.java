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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.FreePorts;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;
import sluice.testkit.TestDnsServer;

/**
 * What a source+group may do now, read the three ways an operator reads it: {@code GET /api/v1/shaping},
 * {@code sluice shaping} and the metrics, against a node whose remote answered a rate-limit reply.
 */
class ShapingStateTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private TestDnsServer dns;
    private FakeSmtpServer mx;
    private SluiceHarness s;
    private String base;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        mx = FakeSmtpServer.start(b -> b.ehlo("PIPELINING", "ENHANCEDSTATUSCODES")
                .rcptReply("slowdown@far.test", 421, "4.7.28 Our system has detected an unusual rate of mail"));
        dns.mx("far.test", 10, "mx1.far.test").mx("other.test", 10, "mx1.far.test").a("mx1.far.test", "127.0.0.1");
        s = SluiceHarness.start("[\"127.0.0.0/8\"]", """
                [delivery]
                mx_port = %d
                dns_servers = ["%s"]
                retry_schedule = ["1h"]

                [[shaping]]
                match = "far.test"
                group = "far"
                max_connections = 4
                max_message_rate = "20/s"

                [[shaping]]
                match = "*"
                max_connections = 10
                """.formatted(mx.port(), dns.address()));
        base = "http://" + s.config().admin().address();
    }

    @AfterEach
    void stop() {
        if (s != null) s.close();
        if (mx != null) mx.close();
        if (dns != null) dns.close();
    }

    private JsonNode shaping() throws Exception {
        String token = Files.readString(s.config().admin().tokenFile()).strip();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/shaping"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static JsonNode lane(JsonNode answer, String group) {
        for (JsonNode l : answer.path("lanes")) if (l.path("group").asText().equals(group)) return l;
        return null;
    }

    @Test
    void aRateLimitReplyShowsAsBackingOffInTheApiTheCliAndTheMetrics() throws Exception {
        s.sendMx("alice@example.test", "Subject: fine\n\nx\n", "ok@other.test");
        s.sendMx("alice@example.test", "Subject: throttled\n\nx\n", "slowdown@far.test");
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonNode far = lane(shaping(), "far");
            return far != null && far.path("state").asText().equals("backing_off");
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> lane(shaping(), "*") != null);

        // The API: the named group's lane halved (20/s -> 10/s, 4 -> 2 connections), the rule it came from.
        JsonNode answer = shaping();
        JsonNode far = lane(answer, "far");
        assertThat(far.path("source").asText()).isEqualTo("default");
        assertThat(far.path("backing_off").asBoolean()).isTrue();
        assertThat(far.path("rate_per_second").asDouble()).isEqualTo(10.0);
        assertThat(far.path("configured_rate_per_second").asDouble()).isEqualTo(20.0);
        assertThat(far.path("connections").asInt()).isEqualTo(2);
        assertThat(far.path("configured_connections").asInt()).isEqualTo(4);
        assertThat(far.path("rule").asText()).startsWith("sluice.toml:");
        assertThat(far.has("suspended_until")).isFalse();
        JsonNode other = lane(answer, "*");
        assertThat(other.path("domain").asText()).isEqualTo("other.test");
        assertThat(other.path("state").asText()).isEqualTo("ok");
        assertThat(other.path("rate_per_second").isNull()).isTrue();
        assertThat(other.path("connections").asInt()).isEqualTo(10);
        assertThat(answer.path("omitted").asInt()).isZero();
        assertThat(answer.path("warmup").isArray()).isTrue();
        assertThat(Files.readAllLines(s.deliveryLog())).anySatisfy(l -> assertThat(l)
                .contains("\"event\":\"backoff\"").contains("\"group\":\"far\"").contains("4.7.28"));

        // The metrics, as Prometheus scrapes them: one series per source and group.
        List<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body().lines().toList();
        assertThat(metrics).contains(
                "sluice_shaping_rate_limit{group=\"far\",source=\"default\"} 10.0",
                "sluice_shaping_connections{group=\"far\",source=\"default\"} 2.0",
                "sluice_shaping_backoff{group=\"far\",source=\"default\"} 1.0",
                "sluice_shaping_backoff{group=\"*\",source=\"default\"} 0.0",
                "sluice_shaping_rate_limit{group=\"*\",source=\"default\"} 0.0",
                "sluice_shaping_connections{group=\"*\",source=\"default\"} 10.0");
        // no source is warming: no warm-up series (MetricsTest covers them)
        assertThat(metrics).noneMatch(l -> l.startsWith("sluice_warmup_"));

        // The CLI: a table, and the API's answer with --json.
        Path config = s.dir.resolve("sluice.toml");
        SluiceProcess.Outcome table = SluiceProcess.runApart(null, "shaping", "--config", config.toString());
        assertThat(table.exit()).as(table.stderr()).isZero();
        assertThat(table.stdout().lines()).anySatisfy(l -> assertThat(l).startsWith("default").contains("far")
                .contains("10/s / 20/s").contains("2/4/").contains("backing off"));
        assertThat(table.stdout().lines()).anySatisfy(l -> assertThat(l).contains("* other.test")
                .contains("unlimited / unlimited").contains("10/10/0").endsWith("ok"));
        assertThat(table.stdout()).contains("no source is warming up");
        SluiceProcess.Outcome json = SluiceProcess.runApart(null, "shaping", "--json", "--config", config.toString());
        assertThat(json.exit()).as(json.stderr()).isZero();
        assertThat(lane(JSON.readTree(json.stdout()), "far").path("state").asText()).isEqualTo("backing_off");

        // A wrong token: one line naming the problem, exit 1.
        Files.writeString(s.config().admin().tokenFile(), "not-the-token\n");
        SluiceProcess.Outcome refused = SluiceProcess.runApart(null, "shaping", "--config", config.toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.stdout()).isEmpty();
        assertThat(refused.stderr().strip()).isEqualTo(
                "sluice: admin API: HTTP 401: missing or wrong bearer token (see [admin] token_file)");
    }

    @Test
    void withNoServerRunningTheCliSaysSoInOneLine() throws Exception {
        SluiceProcess.Outcome help = SluiceProcess.runApart(null, "shaping", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.stdout()).contains("Usage: sluice shaping").contains("--json").contains("warming");

        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Path config = SluiceHarness.writeConfig(dir, ports, "[]", "");
        SluiceProcess.Outcome never = SluiceProcess.runApart(null, "shaping", "--config", config.toString());
        assertThat(never.exit()).isEqualTo(1);
        assertThat(never.stderr().strip()).startsWith("sluice: no admin token at ").contains("sluice serve")
                .doesNotContain("Exception").doesNotContain("\n");

        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/admin.token"), "a-token-of-a-stopped-server\n");
        SluiceProcess.Outcome stopped = SluiceProcess.runApart(null, "shaping", "--config", config.toString());
        assertThat(stopped.exit()).isEqualTo(1);
        assertThat(stopped.stdout()).isEmpty();
        assertThat(stopped.stderr().strip()).isEqualTo("sluice: no server answers at the admin address: is 'sluice serve'"
                + " running with this config? (127.0.0.1:" + ports[4] + ")");
    }
}
