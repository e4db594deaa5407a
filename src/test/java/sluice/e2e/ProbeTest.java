package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import sluice.delivery.PortProbe;
import sluice.delivery.PortReport;
import sluice.delivery.PortReport.Status;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;
import sluice.testkit.TestTls;

/** `sluice probe` against Sluice's own listeners and scripted remote servers, all on 127.0.0.1. */
class ProbeTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Duration SHORT = Duration.ofSeconds(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static PortReport probe(int port, String host) {
        return new PortProbe("probe.test", SHORT, PortProbe.jdkTrustStore(), Clock.systemUTC()).probe(LOOPBACK, host, port);
    }

    @Test
    void sluiceItselfRecommendsItsSubmissionPort() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            String ports = s.submission + "," + s.submissions + "," + s.mx + "," + s.alt;
            Peer.Result r = SluiceProcess.run(null, "probe", "127.0.0.1", "--ports", ports, "--timeout", "2s", "--json",
                    "--config", s.dir.resolve("sluice.toml").toString());

            assertThat(r.exit()).as(r.output()).isZero();
            JsonNode root = JSON.readTree(r.output().substring(r.output().indexOf('{')));
            assertThat(root.path("host").asText()).isEqualTo("127.0.0.1");
            assertThat(root.path("recommendation").path("port").asInt()).isEqualTo(s.submission);
            assertThat(root.path("recommendation").path("reason").asText()).contains("STARTTLS", "AUTH PLAIN");
            JsonNode submission = root.path("ports").get(0);
            assertThat(submission.path("port").asInt()).isEqualTo(s.submission);
            assertThat(submission.path("status").asText()).isEqualTo("reachable");
            assertThat(submission.path("banner").asText()).startsWith("220 mx.sluice.test");
            assertThat(submission.path("banner_ms").isNumber()).isTrue();
            assertThat(submission.path("extensions").toString()).contains("STARTTLS");
            assertThat(submission.path("auth_before_tls")).isEmpty();
            assertThat(submission.path("auth_after_tls").toString()).contains("PLAIN");
            JsonNode tls = submission.path("tls");
            assertThat(tls.path("mode").asText()).isEqualTo("starttls");
            assertThat(tls.path("version").asText()).startsWith("TLSv1.");
            assertThat(tls.path("cipher").asText()).startsWith("TLS_");
            assertThat(tls.path("subject").asText()).isEqualTo("CN=mx.sluice.test");
            assertThat(tls.path("issuer").asText()).isEqualTo("CN=mx.sluice.test");
            assertThat(tls.path("not_after").asText()).isNotEmpty();
            assertThat(tls.path("days_left").asInt()).isBetween(360, 366);
            assertThat(tls.path("hostname_match").asBoolean()).isTrue(); // the self-signed certificate names 127.0.0.1
            assertThat(tls.path("trusted").asBoolean()).isFalse();
            assertThat(submission.path("problems").toString()).contains("not trusted");

            JsonNode submissions = root.path("ports").get(1);
            assertThat(submissions.path("tls").path("mode").asText()).isEqualTo("implicit");
            assertThat(submissions.path("auth_after_tls").toString()).contains("PLAIN");
            assertThat(submissions.path("usable_for_submission").asBoolean()).isTrue();
            JsonNode mx = root.path("ports").get(2);
            assertThat(mx.path("tls").path("mode").asText()).isEqualTo("starttls");
            assertThat(mx.path("auth_before_tls")).isEmpty();
        }
    }

    @Test
    void theTextReportEndsWithTheRecommendation() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            int refused = FakeSmtpServer.closedAddress().getPort();
            Peer.Result r = SluiceProcess.run(null, "probe", "127.0.0.1", "--ports", refused + "," + s.submission,
                    "--config", s.dir.resolve("sluice.toml").toString());

            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(r.output()).containsPattern(refused + "\\s+refused")
                    .containsPattern(s.submission + "\\s+reachable\\s+\\d+ ms\\s+\\d+ ms\\s+starttls TLSv1\\.\\d \\(untrusted\\)\\s+-\\s+PLAIN LOGIN")
                    .contains("port " + s.submission, "banner      220 mx.sluice.test", "certificate CN=mx.sluice.test")
                    .contains("recommendation: port " + s.submission + " - submit on " + s.submission + " with STARTTLS");
        }
    }

    @Test
    void noStartTlsAndAuthInPlaintextAreProblemsAndExitOne() throws Exception {
        try (FakeSmtpServer plain = FakeSmtpServer.start(s -> s.ehlo("PIPELINING", "AUTH PLAIN LOGIN"))) {
            int refused = FakeSmtpServer.closedAddress().getPort();
            Peer.Result r = SluiceProcess.run(null, "probe", "127.0.0.1", "--ports", plain.port() + "," + refused,
                    "--timeout", "1s", "--json");

            assertThat(r.exit()).as(r.output()).isEqualTo(1);
            JsonNode root = JSON.readTree(r.output().substring(r.output().indexOf('{')));
            JsonNode p = root.path("ports").get(0);
            assertThat(p.path("tls").isNull()).isTrue();
            assertThat(p.path("auth_before_tls").toString()).isEqualTo("[\"PLAIN\",\"LOGIN\"]");
            assertThat(p.path("problems").toString()).contains("AUTH PLAIN LOGIN offered before TLS", "STARTTLS not offered");
            assertThat(root.path("ports").get(1).path("status").asText()).isEqualTo("refused");
            assertThat(root.path("recommendation").path("port").isNull()).isTrue();
            assertThat(root.path("recommendation").path("reason").asText()).contains("no usable submission port", refused + " is refused");
            assertThat(plain.commands()).hasSize(2).last().isEqualTo("QUIT"); // EHLO, QUIT: never AUTH or MAIL
            assertThat(plain.commands().get(0)).startsWith("EHLO ");
        }
    }

    @Test
    void authOfferedBeforeStartTlsIsFlaggedButTheTlsPortStillWorks() throws Exception {
        try (FakeSmtpServer fake = FakeSmtpServer.start(s -> s.ehlo("STARTTLS", "AUTH PLAIN LOGIN")
                .tls(TestTls.get().serverContext()))) {
            PortReport r = new PortProbe("probe.test", SHORT, trusting(TestTls.get().certificate()), Clock.systemUTC())
                    .probe(LOOPBACK, TestTls.HOST, fake.port());

            assertThat(r.status()).isEqualTo(Status.REACHABLE);
            assertThat(r.authBeforeTls()).containsExactly("PLAIN", "LOGIN");
            assertThat(r.authAfterTls()).containsExactly("PLAIN", "LOGIN");
            assertThat(r.problems()).first().asString().startsWith("AUTH PLAIN LOGIN offered before TLS");
            assertThat(r.tls().mode()).isEqualTo("starttls");
            assertThat(r.tls().hostnameMatch()).isTrue();
            assertThat(r.tls().trusted()).isTrue();
            assertThat(r.extensionsAfterTls()).doesNotContain("STARTTLS");
            assertThat(r.usableForSubmission()).isTrue();
            assertThat(fake.commands()).containsExactly("EHLO probe.test", "STARTTLS", "EHLO probe.test", "QUIT");

            PortReport byAddress = probe(fake.port(), "127.0.0.1");
            assertThat(byAddress.tls().hostnameMatch()).isFalse();
            assertThat(byAddress.tls().trusted()).isFalse();
            assertThat(byAddress.problems()).anyMatch(p -> p.contains("does not name 127.0.0.1 (it names [mx.test])"));
        }
    }

    @Test
    void anExpiredCertificateIsReported() throws Exception {
        SSLContext expired = serverContext(Instant.now().minus(Duration.ofDays(40)), Instant.now().minus(Duration.ofDays(10)));
        try (FakeSmtpServer fake = FakeSmtpServer.start(s -> s.implicitTls(expired).ehlo("AUTH PLAIN"))) {
            PortReport r = probe(fake.port(), "mx.test");

            assertThat(r.tls().mode()).isEqualTo("implicit"); // no plaintext greeting: tried as implicit TLS
            assertThat(r.tls().daysLeft()).isBetween(-11L, -10L);
            assertThat(r.tls().trusted()).isFalse();
            assertThat(r.tls().hostnameMatch()).isTrue();
            assertThat(r.problems()).anyMatch(p -> p.startsWith("certificate expired on "));
            assertThat(r.authAfterTls()).containsExactly("PLAIN");
        }
    }

    @Test
    void aSilentServerIsReachableWithoutAGreeting() throws Exception {
        try (FakeSmtpServer hole = FakeSmtpServer.start(FakeSmtpServer.Script::blackhole)) {
            long start = System.nanoTime();
            PortReport r = probe(hole.port(), "127.0.0.1");

            assertThat(r.status()).isEqualTo(Status.REACHABLE);
            assertThat(r.banner()).isNull();
            assertThat(r.error()).isEqualTo("no greeting within 1000 ms");
            assertThat(r.problems()).anyMatch(p -> p.startsWith("implicit TLS failed too"));
            assertThat(r.usableForSubmission()).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aConnectThatTimesOutIsFiltered() throws Exception {
        // A listener whose accept queue is full drops further SYNs, as a firewall would.
        try (ServerSocket full = new ServerSocket(0, 1, LOOPBACK)) {
            List<Socket> queued = new ArrayList<>();
            try {
                boolean filling = true;
                for (int i = 0; i < 8 && filling; i++) {
                    Socket s = new Socket();
                    try {
                        s.connect(new InetSocketAddress(LOOPBACK, full.getLocalPort()), 300);
                        queued.add(s);
                    } catch (SocketTimeoutException e) {
                        s.close();
                        filling = false;
                    }
                }
                PortReport r = probe(full.getLocalPort(), "127.0.0.1");

                assertThat(r.status()).isEqualTo(Status.FILTERED);
                assertThat(r.error()).contains("no answer to the TCP connect within 1000 ms");
                assertThat(r.connectMs()).isEqualTo(-1);
            } finally {
                for (Socket s : queued) s.close();
            }
        }
    }

    @Test
    void aRefusedPort() {
        PortReport r = probe(FakeSmtpServer.closedAddress().getPort(), "127.0.0.1");

        assertThat(r.status()).isEqualTo(Status.REFUSED);
        assertThat(r.tls()).isNull();
    }

    private static X509TrustManager trusting(X509Certificate cert) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        return (X509TrustManager) tmf.getTrustManagers()[0];
    }

    /** A server context whose certificate for mx.test is valid only between the two instants. */
    private static SSLContext serverContext(Instant notBefore, Instant notAfter) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = g.generateKeyPair();
        X500Name subject = new X500Name("CN=" + TestTls.HOST);
        var b = new JcaX509v3CertificateBuilder(subject, BigInteger.TEN, Date.from(notBefore), Date.from(notAfter),
                subject, pair.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, TestTls.HOST)));
        X509Certificate cert = new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("k", pair.getPrivate(), "p".toCharArray(), new X509Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, "p".toCharArray());
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(kmf.getKeyManagers(), null, null);
        return c;
    }
}
