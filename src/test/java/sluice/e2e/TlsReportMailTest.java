package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.config.Config;
import sluice.config.ConfigLoader;
import sluice.mailauth.DkimKeys;
import sluice.node.Node;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.FreePorts;
import sluice.testkit.MutableClock;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TestDnsServer;
import sluice.transit.ResultType;
import sluice.transit.TlsAttempt;

/**
 * A day's TLS report for a domain that asks for it by {@code mailto:} leaves through Sluice's own queue to the rua's MX
 * (a fake one, found through the test DNS server): RFC 8460 5.3's message, DKIM-signed, from the null sender, with
 * {@code TLS-Required: No}, and the counts delivery recorded.
 */
class TlsReportMailTest {
    @TempDir
    Path dir;

    static final List<String> STS = List.of("version: STSv1", "mode: enforce", "mx: mx.example.test", "max_age: 86400");

    @Test
    void theDaysReportArrivesAtTheRuaAsRfc8460Mail() throws Exception {
        KeyPair pair = DkimKeys.generate("rsa2048");
        Path key = dir.resolve("s1.key");
        DkimKeys.writePem(pair.getPrivate(), key);
        try (TestDnsServer dns = TestDnsServer.start(); FakeSmtpServer mx = FakeSmtpServer.start(b -> { })) {
            dns.txt("_smtp._tls.example.test", "v=TLSRPTv1; rua=mailto:tlsrpt@reports.test")
                    .mx("reports.test", 10, "mx.reports.test").a("mx.reports.test", "127.0.0.1");
            // starts a day and two hours back, so the report is signed at the real time (verifiers refuse a t= ahead)
            MutableClock clock = new MutableClock(Instant.now().minus(Duration.ofDays(1).plusHours(2)));
            LocalDate day = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
            try (Node node = start(mx, dns, key, clock, true)) {
                var sink = node.delivery().tlsReportSink();
                for (int i = 0; i < 4; i++) {
                    sink.record(new TlsAttempt("example.test", "sts", STS, "mx.example.test", "127.0.0.1", "127.0.0.2", null, null));
                }
                sink.record(new TlsAttempt("example.test", "sts", STS, "mx.example.test", "127.0.0.1", "127.0.0.2",
                        ResultType.CERTIFICATE_HOST_MISMATCH, "certificate for mx.other.test"));
                node.tlsReporter().tick();
                assertThat(mx.messages()).isEmpty(); // the day is not over

                clock.advance(Duration.ofDays(1).plusHours(2)); // past the day and the longest jitter
                node.tlsReporter().tick();
                await().atMost(Duration.ofSeconds(20)).until(() -> mx.messages().size() == 1);
                String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://" + node.config().admin().address() + "/metrics")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                assertThat(metrics).contains("sluice_tls_reports_total{result=\"sent\"} 1")
                        .contains("sluice_tls_reports_total{result=\"failed\"} 0")
                        .contains("sluice_tls_report_attempts_dropped_total 0");
            }
            FakeSmtpServer.Received got = mx.messages().getFirst();
            assertThat(got.sender()).isEmpty();
            assertThat(got.recipients()).extracting(FakeSmtpServer.Rcpt::address).containsExactly("tlsrpt@reports.test");

            Message m = new DefaultMessageBuilder().parseMessage(new ByteArrayInputStream(got.data()));
            String reportId = m.getSubject().replaceAll(".*Report-ID: <([^>]+)>.*", "$1");
            assertThat(m.getSubject()).isEqualTo("Report Domain: example.test Submitter: mx.sluice.test Report-ID: <"
                    + reportId + ">");
            assertThat(field(m, "TLS-Report-Domain")).isEqualTo("example.test");
            assertThat(field(m, "TLS-Report-Submitter")).isEqualTo("mx.sluice.test");
            assertThat(field(m, "TLS-Required")).isEqualTo("No");
            assertThat(field(m, "DKIM-Signature")).contains("d=sluice.test").contains("s=s1");
            // an independent verifier (dkimpy) accepts the signature as it arrived
            Path arrived = Files.write(dir.resolve("arrived.eml"), got.data());
            Peer.Result verified = Peer.run(List.of("/usr/bin/python3", "-c", """
                    import sys, dkim
                    record = sys.argv[2].encode()
                    sys.exit(0 if dkim.DKIM(open(sys.argv[1], 'rb').read()).verify(dnsfunc=lambda n, timeout=5: record) else 1)
                    """, arrived.toString(), DkimKeys.txtRecord(pair.getPublic())), null, 30);
            assertThat(verified.exit()).as("dkimpy (python3-dkim, installed by .ci/run): " + verified.output()).isZero();
            assertThat(m.getMimeType()).isEqualTo("multipart/report");
            assertThat(field(m, "Content-Type")).contains("report-type=\"tlsrpt\"");

            List<Entity> parts = ((Multipart) m.getBody()).getBodyParts();
            assertThat(parts).hasSize(2);
            assertThat(parts.get(0).getMimeType()).isEqualTo("text/plain");
            Entity attachment = parts.get(1);
            assertThat(attachment.getMimeType()).isEqualTo("application/tlsrpt+gzip");
            long begin = day.atStartOfDay().toEpochSecond(ZoneOffset.UTC);
            assertThat(attachment.getFilename()).matches("mx\\.sluice\\.test!example\\.test!" + begin + "!"
                    + (begin + 86_399) + "![A-Za-z0-9]+\\.json\\.gz");

            byte[] json;
            try (InputStream in = new GZIPInputStream(((SingleBody) attachment.getBody()).getInputStream())) {
                json = in.readAllBytes();
            }
            JsonNode r = new ObjectMapper().readTree(json);
            assertThat(r.path("report-id").asText()).isEqualTo(reportId);
            assertThat(r.path("organization-name").asText()).isEqualTo("mx.sluice.test");
            assertThat(r.path("date-range").path("start-datetime").asText()).isEqualTo(day + "T00:00:00Z");
            JsonNode policy = r.path("policies").get(0);
            assertThat(policy.path("policy").path("policy-domain").asText()).isEqualTo("example.test");
            assertThat(policy.path("summary").path("total-successful-session-count").asLong()).isEqualTo(4);
            assertThat(policy.path("summary").path("total-failure-session-count").asLong()).isEqualTo(1);
            assertThat(policy.path("failure-details").get(0).path("result-type").asText()).isEqualTo("certificate-host-mismatch");
        }
    }

    @Test
    void tlsReportsOffCountsNothingAndSendsNothing() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start(); FakeSmtpServer mx = FakeSmtpServer.start(b -> { })) {
            MutableClock clock = new MutableClock(Instant.now());
            try (Node node = start(mx, dns, null, clock, false)) {
                assertThat(node.tlsReporter()).isNull();
                assertThat(node.delivery().tlsReports()).isNull();
                node.delivery().tlsReportSink().record(new TlsAttempt("example.test", "sts", STS, "mx.example.test",
                        null, null, null, null)); // goes nowhere, throws nothing
                assertThat(node.spool().state().read("tlsrpt/")).isEmpty();
            }
        }
    }

    private Node start(FakeSmtpServer mx, TestDnsServer dns, Path dkimKey, MutableClock clock, boolean reports)
            throws Exception {
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Path file = SluiceHarness.writeConfig(dir, ports, "[]", """
                [delivery]
                mx_port = %d
                dns_servers = ["%s"]
                tls_reports = %s
                %s
                """.formatted(mx.port(), dns.address(), reports, dkimKey == null ? "" : """
                [[dkim]]
                domain = "sluice.test"
                selector = "s1"
                key_file = "%s"
                """.formatted(dkimKey)));
        Config config = ConfigLoader.load(file, null);
        Files.createDirectories(config.dataDir());
        return Node.start(config, clock);
    }

    private static String field(Message m, String name) {
        var f = m.getHeader().getField(name);
        assertThat(f).as(name).isNotNull();
        return f.getBody().replaceAll("\r\n[ \t]+", " ").strip();
    }
}
