package sluice.transit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.FreePorts;
import sluice.testkit.SignedZones;
import sluice.testkit.SignedZones.Kind;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TestCa;

/**
 * A whole node delivering under every policy at once, with real peers: a DNSSEC-signed zone served by nsd (DANE), an
 * HTTPS policy host in Python (MTA-STS), a fake MX presenting a certificate from a test CA. Each recipient domain
 * gets the policy it publishes and the delivery log says which (tls_policy); policy failures defer and say which
 * check failed; the day's TLS-report counts equal the log's attempts per domain.
 */
class TransitEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void eachDomainIsDeliveredUnderItsOwnPolicyAndTheReportCountsAreTheLogs() throws Exception {
        assumeTrue(SignedZones.available(), "nsd and ldnsutils are needed (apt-get install nsd ldnsutils)");
        TestCa mxCa = TestCa.create("MX CA");
        TestCa.Issued mxCert = mxCa.issue("mx.dane.test", "mx.sts.test", "mx.plain.test", "mx.bad.test", "mx.wrong.test");
        StsTestCa policyCa = StsTestCa.create("Policy CA");
        Path caFile = policyCa.writeCertificate(dir.resolve("ca.pem"));
        Files.writeString(caFile, Files.readString(caFile) + pem(mxCa.certificate().getEncoded()));
        int stsPort = FreePorts.next();
        List<AutoCloseable> closing = new ArrayList<>();
        try (FakeSmtpServer mx = FakeSmtpServer.start(s -> s.ehlo("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "STARTTLS")
                .tls(mxCert.serverContext()))) {
            String port = String.valueOf(mx.port());
            String ee311 = TestCa.tlsaData(mxCert.leaf(), 1, 1);
            SignedZones zones = SignedZones.builder()
                    .zone("test", Kind.SIGNED)
                    .zone("dane.test", Kind.SIGNED, "@ MX 10 mx", "mx A 127.0.0.1", "_" + port + "._tcp.mx TLSA 3 1 1 " + ee311)
                    .zone("wrong.test", Kind.SIGNED, "@ MX 10 mx", "mx A 127.0.0.1",
                            "_" + port + "._tcp.mx TLSA 3 1 1 " + "ab12".repeat(16))
                    .zone("sts.test", Kind.UNSIGNED, "@ MX 10 mx", "mx A 127.0.0.1", "mta-sts A 127.0.0.1",
                            "_mta-sts TXT \"v=STSv1; id=1;\"")
                    .zone("bad.test", Kind.UNSIGNED, "@ MX 10 mx", "mx A 127.0.0.1", "mta-sts A 127.0.0.1",
                            "_mta-sts TXT \"v=STSv1; id=7;\"")
                    .zone("plain.test", Kind.UNSIGNED, "@ MX 10 mx", "mx A 127.0.0.1")
                    .start();
            closing.add(zones);
            PolicyHostPeer host = PolicyHostPeer.start(dir.resolve("host"), "127.0.0.1", stsPort, policyCa,
                    List.of("mta-sts.sts.test", "mta-sts.bad.test"));
            closing.add(host);
            host.policy("mta-sts.sts.test", "version: STSv1\nmode: enforce\nmx: mx.sts.test\nmax_age: 86400\n");
            host.policy("mta-sts.bad.test", "version: STSv1\nmode: enforce\nmx: mx.elsewhere.test\nmax_age: 86400\n");
            String toml = """
                    [delivery]
                    mx_port = %s
                    dns_servers = ["%s"]
                    dnssec_trust_anchor = "%s"
                    ca_file = "%s"
                    mta_sts_port = %d
                    """.formatted(port, zones.address(), zones.trustAnchor(), caFile, stsPort);
            try (SluiceHarness s = SluiceHarness.start("[\"127.0.0.0/8\"]", toml)) {
                List<String> domains = List.of("dane.test", "wrong.test", "sts.test", "bad.test", "plain.test");
                for (String d : domains) s.sendMx("a@example.test", "Subject: to " + d + "\n\nhello", "r@" + d);
                Map<String, JsonNode> attempts = new HashMap<>();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    for (String line : Files.readAllLines(s.deliveryLog())) {
                        JsonNode e = JSON.readTree(line);
                        String event = e.path("event").asText();
                        if (event.equals("delivered") || event.equals("deferred") || event.equals("bounced")) {
                            attempts.putIfAbsent(e.path("recipient").asText(), e);
                        }
                    }
                    assertThat(attempts).hasSize(domains.size());
                });
                expect(attempts.get("r@dane.test"), "delivered", "dane", null);
                expect(attempts.get("r@sts.test"), "delivered", "mta-sts", null);
                expect(attempts.get("r@plain.test"), "delivered", "opportunistic", null);
                expect(attempts.get("r@wrong.test"), "deferred", "dane",
                        "dane: no TLSA record matches the server's chain");
                expect(attempts.get("r@bad.test"), "deferred", "mta-sts",
                        "MX host mx.bad.test is not in the policy of bad.test");
                assertThat(mx.messages()).extracting(m -> m.recipients().getFirst().address())
                        .containsExactlyInAnyOrder("r@dane.test", "r@sts.test", "r@plain.test");
                assertThat(mx.messages()).allMatch(FakeSmtpServer.Received::tls);

                // what the metrics show of it: two policies fetched, DANE's answers validated
                String metrics;
                try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
                    metrics = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.adminBase() + "/metrics"))
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                }
                assertThat(metrics).contains("sluice_mta_sts_fetches_total{result=\"fetched\"} 2")
                        .contains("sluice_mta_sts_fetches_total{result=\"failed\"} 0");
                assertThat(metrics).containsPattern("sluice_dnssec_answers_total\\{status=\"secure\"\\} [1-9]");

                // the day's report counts: one session per domain, successes where the log says delivered
                TlsReportBook book = s.node().delivery().tlsReports();
                for (String d : domains) {
                    TlsReportBook.Key key = book.keys().stream().filter(k -> k.domain().equals(d)).findFirst().orElseThrow();
                    var counts = book.counts(key);
                    boolean delivered = attempts.get("r@" + d).path("event").asText().equals("delivered");
                    assertThat(counts.successes()).as(d).isEqualTo(delivered ? 1 : 0);
                    assertThat(counts.failures()).as(d).isEqualTo(delivered ? 0 : 1);
                    String type = counts.policies().getFirst().type();
                    assertThat(type).as(d).isEqualTo(switch (d) {
                        case "dane.test", "wrong.test" -> "tlsa";
                        case "sts.test", "bad.test" -> "sts";
                        default -> "no-policy-found";
                    });
                }
            }
        } finally {
            for (AutoCloseable c : closing.reversed()) c.close();
        }
    }

    private static void expect(JsonNode e, String event, String policy, String text) {
        assertThat(e.path("event").asText()).as(e.toString()).isEqualTo(event);
        assertThat(e.path("tls_policy").asText()).as(e.toString()).isEqualTo(policy);
        if (event.equals("delivered")) assertThat(e.path("tls").asText()).as(e.toString()).startsWith("TLSv1.");
        if (text != null) assertThat(e.path("text").asText()).as(e.toString()).contains(text);
    }

    private static String pem(byte[] der) {
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END CERTIFICATE-----\n";
    }
}
