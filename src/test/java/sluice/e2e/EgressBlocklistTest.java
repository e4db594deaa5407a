package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TestDnsServer;

/**
 * A running node checks its egress addresses against a DNS blocklist (bl.test on the in-process DNS server lists
 * 127.0.0.2): the listed source is left out of its pool (the fake MX sees only 127.0.0.3), the listing shows in the
 * API, the metrics, the dashboard's alerts and the delivery log, and a check after delisting brings it back.
 */
class EgressBlocklistTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LISTED = "2.0.0.127.bl.test";
    private static final String EGRESS = """
            [[egress.sources]]
            name = "ip1"
            address = "127.0.0.2"
            ehlo = "out1.sluice.test"

            [[egress.sources]]
            name = "ip2"
            address = "127.0.0.3"
            ehlo = "out2.sluice.test"

            [[egress.pools]]
            name = "bulk"
            sources = ["ip1", "ip2"]

            [egress]
            default_pool = "bulk"
            dnsbl_zones = ["bl.test"]
            """;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    private <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    /** curl with the admin token (or without), the body and then the status on the last line. */
    private static Peer.Result curl(SluiceHarness s, String method, String path, boolean token) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-X", method, "-w", "\n%{http_code}"));
        if (token) {
            cmd.addAll(List.of("-H", "Authorization: Bearer " + Files.readString(s.config().admin().tokenFile()).strip()));
        }
        cmd.add("http://" + s.config().admin().address() + path);
        return Peer.run(cmd, null, 30);
    }

    private static int status(Peer.Result r) {
        String out = r.output().strip();
        return Integer.parseInt(out.substring(out.lastIndexOf('\n') + 1));
    }

    private static JsonNode body(Peer.Result r) throws Exception {
        String out = r.output().strip();
        return JSON.readTree(out.substring(0, out.lastIndexOf('\n')));
    }

    private static JsonNode source(JsonNode report, String name) {
        for (JsonNode s : report.path("sources")) if (s.path("source").asText().equals(name)) return s;
        throw new AssertionError("no source " + name + " in " + report);
    }

    @Test
    void aListedSourceIsNotUsedUntilACheckFindsItDelisted() throws Exception {
        TestDnsServer dns = later(TestDnsServer.start().ttl(0));
        dns.a(LISTED, "127.0.0.2").txt(LISTED, "spam source, see https://bl.test/lookup");
        FakeSmtpServer remote = later(FakeSmtpServer.start(x -> {}));
        dns.mx("far.test", 10, "mx1.far.test").a("mx1.far.test", "127.0.0.1");
        SluiceHarness s = later(SluiceHarness.start("[\"127.0.0.0/8\"]", EGRESS + """
                [delivery]
                mx_port = %d
                dns_servers = ["%s"]
                connect_timeout = "2s"
                retry_schedule = ["1h"]
                """.formatted(remote.port(), dns.address())));

        // The first check runs at start.
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Peer.Result r = curl(s, "GET", "/api/v1/shaping/blocklists", true);
            assertThat(status(r)).as(r.output()).isEqualTo(200);
            assertThat(source(body(r), "ip1").path("listed")).hasSize(1);
        });
        JsonNode report = body(curl(s, "GET", "/api/v1/shaping/blocklists", true));
        JsonNode listing = source(report, "ip1").path("listed").get(0);
        assertThat(source(report, "ip1").path("ip").asText()).isEqualTo("127.0.0.2");
        assertThat(listing.path("zone").asText()).isEqualTo("bl.test");
        assertThat(listing.path("answer").asText()).isEqualTo("127.0.0.2");
        assertThat(listing.path("reason").asText()).isEqualTo("spam source, see https://bl.test/lookup");
        assertThat(source(report, "ip2").path("listed")).isEmpty();

        for (int i = 0; i < 12; i++) s.sendMx("bob@example.test", "Subject: " + i + "\n\nx\n", "carol" + i + "@far.test");
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(remote.messages()).hasSize(12));
        for (FakeSmtpServer.Received r : remote.messages()) {
            assertThat(remote.peer(r.connection())).isEqualTo("127.0.0.3");
        }

        // The metric, the dashboard's alerts and the delivery log say it too.
        Peer.Result metrics = curl(s, "GET", "/metrics", false);
        assertThat(metrics.output()).contains("sluice_egress_listed{source=\"ip1\",zone=\"bl.test\"} 1.0",
                "sluice_egress_listed{source=\"ip2\",zone=\"bl.test\"} 0.0",
                "sluice_alert_active{kind=\"blocklist\"} 1.0");
        if (Peer.available("promtool")) {
            String text = metrics.output().strip();
            Peer.Result lint = Peer.run(List.of("promtool", "check", "metrics"), text.substring(0, text.lastIndexOf('\n') + 1), 30);
            assertThat(lint.exit()).as(lint.output()).isZero();
        }
        JsonNode alerts = body(curl(s, "GET", "/api/v1/stats", true)).path("alerts");
        assertThat(alerts.toString()).contains("\"kind\":\"blocklist\"", "ip1", "bl.test");
        assertThat(Files.readString(s.deliveryLog())).contains("\"event\":\"listed\"", "\"egress_source\":\"ip1\"",
                "\"group\":\"bl.test\"");

        // Without the token: 401, as every admin endpoint.
        assertThat(status(curl(s, "POST", "/api/v1/shaping/blocklists/check", false))).isEqualTo(401);

        // Delisted: a check on demand puts ip1 back in the pool.
        dns.remove(LISTED);
        Peer.Result checked = curl(s, "POST", "/api/v1/shaping/blocklists/check", true);
        assertThat(status(checked)).as(checked.output()).isEqualTo(200);
        assertThat(source(body(checked), "ip1").path("listed")).isEmpty();
        assertThat(source(body(checked), "ip1").path("usable").asBoolean()).isTrue();
        for (int i = 0; i < 20; i++) s.sendMx("bob@example.test", "Subject: again " + i + "\n\nx\n", "dave" + i + "@far.test");
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(remote.messages()).hasSize(32));
        assertThat(remote.messages().stream().map(r -> remote.peer(r.connection()))).contains("127.0.0.2");
        assertThat(Files.readString(s.deliveryLog())).contains("\"event\":\"delisted\"");
    }

    @Test
    void aCheckWithoutZonesOrWithDeliveryPausedIsAConflictNotAnError() throws Exception {
        SluiceHarness s = later(SluiceHarness.start("[]", ""));
        Peer.Result paused = curl(s, "POST", "/api/v1/shaping/blocklists/check", true);
        assertThat(status(paused)).isEqualTo(409);
        assertThat(body(paused).path("error").asText()).contains("paused");
    }
}
