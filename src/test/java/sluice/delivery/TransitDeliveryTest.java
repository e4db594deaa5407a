package sluice.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.config.Config;
import sluice.config.ConfigLoader;
import sluice.dns.Resolver;
import sluice.spool.Envelope;
import sluice.spool.Recipient;
import sluice.spool.TlsRequest;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.TestCa;
import sluice.testkit.TestDnsServer;
import sluice.testkit.TestTls;
import sluice.transit.DaneLookup;
import sluice.transit.DaneVerdict;
import sluice.transit.PolicyCheckException;
import sluice.transit.ResultType;
import sluice.transit.StsLookup;
import sluice.transit.StsPolicy;
import sluice.transit.StsVerdict;
import sluice.transit.TlsAttempt;
import sluice.transit.TlsReportSink;
import sluice.transit.TrustStores;

/**
 * Delivery under transit policies, against a fake MX with the mx.test certificate: MTA-STS enforce delivers only over
 * verified TLS to a host in the policy and never falls back to plaintext; testing delivers and reports; DANE wins over
 * MTA-STS; REQUIRETLS goes only to verified hosts that offer it, else bounces 5.7.30/5.7.10 once every MX was tried;
 * TLS-Required: No sets policies aside. Each attempt carries tls_policy and is told to TLS reports.
 */
class TransitDeliveryTest {
    private static final byte[] DATA = "Subject: t\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;
    private TestDnsServer dns;
    private FakeSmtpServer mx;
    private final List<TlsAttempt> reported = new CopyOnWriteArrayList<>();

    @BeforeEach
    void dns() {
        dns = TestDnsServer.start().a("mx.test", "127.0.0.1").a("other.test", "127.0.0.1")
                .mx("secure.test", 10, "mx.test").mx("elsewhere.test", 10, "other.test");
    }

    @AfterEach
    void stop() {
        if (mx != null) mx.close();
        dns.close();
    }

    private void serve(Consumer<FakeSmtpServer.Script> extra) throws Exception {
        mx = FakeSmtpServer.start(s -> {
            s.ehlo("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "STARTTLS").tls(TestTls.get().serverContext());
            extra.accept(s);
        });
    }

    private Path caFile() throws Exception {
        X509Certificate cert = TestTls.get().certificate();
        String pem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(cert.getEncoded()) + "\n-----END CERTIFICATE-----\n";
        return Files.writeString(dir.resolve("ca.pem"), pem);
    }

    private RemoteTransport transport(DaneLookup dane, StsLookup sts, boolean trustMx) throws Exception {
        Path file = dir.resolve("sluice.toml");
        Files.writeString(file, """
                hostname = "out.sluice.test"
                data_dir = "%s"
                [delivery]
                mx_port = %d
                connect_timeout = "3s"
                dns_servers = ["%s"]
                """.formatted(dir.resolve("data"), mx.port(), dns.address()));
        Config c = ConfigLoader.load(file, null);
        Resolver resolver = Resolver.create(c.delivery().dnsServers(), Duration.ofSeconds(2), Clock.systemUTC());
        TlsReportSink sink = reported::add;
        return new RemoteTransport(resolver, c.delivery(), c.hostname(), Timeouts.rfc5321(), Clock.systemUTC(),
                EgressPools.none(), new TransitPolicies(dane, sts, sink, TrustStores.pkix(trustMx ? caFile() : null)));
    }

    private static Job job(String domain, TlsRequest asked) {
        Envelope e = new Envelope("a@sluice.test", List.of(Recipient.pending("r@" + domain, null, null)), Instant.now(),
                DATA.length, Map.of()).withTlsRequest(asked);
        return new Job("q1", e, e.recipients(), new Destination.Mx(domain));
    }

    private static StsLookup sts(StsPolicy.Mode mode, String... mx) {
        return domain -> new StsVerdict.InForce(new StsPolicy(domain, "id1", mode, List.of(mx), 86400,
                "version: STSv1\nmode: " + mode.name().toLowerCase() + "\nmx: " + String.join("\nmx: ", mx) + "\nmax_age: 86400\n"));
    }

    private Outcome deliver(RemoteTransport t, String domain, TlsRequest asked) {
        try (t) {
            return t.deliver(job(domain, asked), DATA).getFirst();
        }
    }

    @Test
    void mtaStsEnforceDeliversOverVerifiedTlsToAHostInThePolicy() throws Exception {
        serve(s -> {});
        Outcome o = deliver(transport(DaneLookup.off(), sts(StsPolicy.Mode.ENFORCE, "mx.test"), true), "secure.test", TlsRequest.DEFAULT);
        assertThat(o.code()).as(o.summary()).isEqualTo(250);
        assertThat(o.tlsPolicy()).isEqualTo("mta-sts");
        assertThat(o.tls()).startsWith("TLSv1.");
        assertThat(reported).singleElement().satisfies(a -> {
            assertThat(a.success()).isTrue();
            assertThat(a.policyType()).isEqualTo("sts");
            assertThat(a.policyStrings()).contains("mode: enforce", "mx: mx.test");
            assertThat(a.mxHost()).isEqualTo("mx.test");
        });
    }

    @Test
    void mtaStsEnforceWithAnUntrustedCertificateDefersAndNeverSendsInPlaintext() throws Exception {
        serve(s -> {});
        Outcome o = deliver(transport(DaneLookup.off(), sts(StsPolicy.Mode.ENFORCE, "mx.test"), false), "secure.test", TlsRequest.DEFAULT);
        assertThat(o.result()).isEqualTo(Outcome.Result.DEFERRED);
        assertThat(o.summary()).startsWith("451 4.7.5").contains("mta-sts: TLS handshake: certificate-not-trusted");
        assertThat(o.tlsPolicy()).isEqualTo("mta-sts");
        assertThat(mx.messages()).isEmpty();
        assertThat(mx.commands()).noneMatch(c -> c.startsWith("MAIL"));
        assertThat(reported).singleElement().satisfies(a -> assertThat(a.failure()).isEqualTo(ResultType.CERTIFICATE_NOT_TRUSTED));
    }

    @Test
    void mtaStsEnforceWithStartTlsStrippedDefers() throws Exception {
        serve(s -> s.ehlo("PIPELINING", "8BITMIME"));
        Outcome o = deliver(transport(DaneLookup.off(), sts(StsPolicy.Mode.ENFORCE, "mx.test"), true), "secure.test", TlsRequest.DEFAULT);
        assertThat(o.summary()).startsWith("451 4.7.5").contains("STARTTLS not offered");
        assertThat(mx.commands()).noneMatch(c -> c.startsWith("MAIL"));
        assertThat(reported).singleElement().satisfies(a -> assertThat(a.failure()).isEqualTo(ResultType.STARTTLS_NOT_SUPPORTED));
    }

    @Test
    void mtaStsEnforceNeverConnectsToAnMxHostOutsideThePolicy() throws Exception {
        serve(s -> {});
        Outcome o = deliver(transport(DaneLookup.off(), sts(StsPolicy.Mode.ENFORCE, "mx.test"), true), "elsewhere.test", TlsRequest.DEFAULT);
        assertThat(o.summary()).startsWith("451 4.7.5").contains("MX host other.test is not in the policy of elsewhere.test");
        assertThat(mx.connections()).isZero();
        assertThat(reported).singleElement().satisfies(a -> assertThat(a.failure()).isEqualTo(ResultType.VALIDATION_FAILURE));
    }

    @Test
    void mtaStsEnforceRefusesACertificateForAnotherName() throws Exception {
        serve(s -> {});
        Outcome o = deliver(transport(DaneLookup.off(), sts(StsPolicy.Mode.ENFORCE, "*.test"), true), "elsewhere.test", TlsRequest.DEFAULT);
        assertThat(o.summary()).startsWith("451 4.7.5").contains("certificate-host-mismatch");
        assertThat(mx.commands()).noneMatch(c -> c.startsWith("MAIL"));
        assertThat(reported).singleElement().satisfies(a -> assertThat(a.failure()).isEqualTo(ResultType.CERTIFICATE_HOST_MISMATCH));
    }

    @Test
    void mtaStsEnforceRefusesAnExpiredCertificateFromATrustedCa() throws Exception {
        TestCa ca = TestCa.create("Expired test CA");
        TestCa.Issued expired = ca.issue(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)),
                "mx.test");
        serve(s -> s.tls(expired.serverContext()));
        Path file = dir.resolve("sluice.toml");
        Files.writeString(file, """
                hostname = "out.sluice.test"
                data_dir = "%s"
                [delivery]
                mx_port = %d
                dns_servers = ["%s"]
                """.formatted(dir.resolve("data"), mx.port(), dns.address()));
        Config c = ConfigLoader.load(file, null);
        Path caPem = Files.writeString(dir.resolve("expired-ca.pem"), "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(ca.certificate().getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        Resolver resolver = Resolver.create(c.delivery().dnsServers(), Duration.ofSeconds(2), Clock.systemUTC());
        try (RemoteTransport t = new RemoteTransport(resolver, c.delivery(), c.hostname(), Timeouts.rfc5321(),
                Clock.systemUTC(), EgressPools.none(), new TransitPolicies(DaneLookup.off(),
                sts(StsPolicy.Mode.ENFORCE, "mx.test"), reported::add, TrustStores.pkix(caPem)))) {
            Outcome o = t.deliver(job("secure.test", TlsRequest.DEFAULT), DATA).getFirst();
            assertThat(o.summary()).startsWith("451 4.7.5").contains("certificate-expired");
        }
        assertThat(mx.commands()).noneMatch(x -> x.startsWith("MAIL"));
        assertThat(reported).singleElement().satisfies(a -> assertThat(a.failure()).isEqualTo(ResultType.CERTIFICATE_EXPIRED));
    }

    @Test
    void mtaStsTestingDeliversDespiteAnUntrustedCertificateAndReportsIt() throws Exception {
        serve(s -> {});
        Outcome o = deliver(transport(DaneLookup.off(), sts(StsPolicy.Mode.TESTING, "mx.test"), false), "secure.test", TlsRequest.DEFAULT);
        assertThat(o.code()).as(o.summary()).isEqualTo(250);
        assertThat(o.tlsPolicy()).isEqualTo("mta-sts");
        assertThat(o.tls()).as("still encrypted, unauthenticated").startsWith("TLSv1.");
        assertThat(reported).singleElement().satisfies(a -> assertThat(a.failure()).isEqualTo(ResultType.CERTIFICATE_NOT_TRUSTED));
    }

    @Test
    void daneWinsOverMtaStsAndItsRefusalSaysWhichCheckFailed() throws Exception {
        serve(s -> {});
        SSLContext context = refusingContext();
        DaneLookup refusing = (domain, host) -> new DaneVerdict.Authenticate(context, "3 1 1 00ff");
        Outcome o = deliver(transport(refusing, sts(StsPolicy.Mode.TESTING, "mx.test"), true), "secure.test", TlsRequest.DEFAULT);
        assertThat(o.summary()).startsWith("451 4.7.5").contains("dane: no TLSA record matches the server's chain");
        assertThat(o.tlsPolicy()).isEqualTo("dane");
        assertThat(mx.commands()).noneMatch(c -> c.startsWith("MAIL"));
        assertThat(reported).singleElement().satisfies(a -> {
            assertThat(a.policyType()).isEqualTo("tlsa");
            assertThat(a.failure()).isEqualTo(ResultType.VALIDATION_FAILURE);
        });
    }

    @Test
    void anUnusableDaneHostIsNeverContacted() throws Exception {
        serve(s -> {});
        DaneLookup bogus = (domain, host) -> new DaneVerdict.Unusable(ResultType.DNSSEC_INVALID, "TLSA answer for _25._tcp." + host + " is bogus");
        Outcome o = deliver(transport(bogus, StsLookup.off(), true), "secure.test", TlsRequest.DEFAULT);
        assertThat(o.summary()).startsWith("451 4.7.5").contains("dane: TLSA answer for _25._tcp.mx.test is bogus");
        assertThat(mx.connections()).isZero();
    }

    @Test
    void requireTlsGoesOnlyToAVerifiedHostThatOffersIt() throws Exception {
        serve(s -> s.ehlo("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "STARTTLS", "REQUIRETLS"));
        Outcome o = deliver(transport(DaneLookup.off(), sts(StsPolicy.Mode.TESTING, "mx.test"), true), "secure.test",
                TlsRequest.REQUIRED);
        assertThat(o.code()).as(o.summary()).isEqualTo(250);
        assertThat(o.tlsPolicy()).isEqualTo("mta-sts");
        assertThat(mx.messages()).singleElement().satisfies(m -> {
            assertThat(m.tls()).isTrue();
            assertThat(m.mailParams()).contains("REQUIRETLS");
        });
    }

    @Test
    void requireTlsBouncesWith5730WhenNoMxHostOffersIt() throws Exception {
        serve(s -> {});
        Outcome o = deliver(transport(DaneLookup.off(), sts(StsPolicy.Mode.ENFORCE, "mx.test"), true), "secure.test",
                TlsRequest.REQUIRED);
        assertThat(o.result()).isEqualTo(Outcome.Result.BOUNCED);
        assertThat(o.summary()).startsWith("550 5.7.30").contains("REQUIRETLS not supported by the next hop");
        assertThat(mx.commands()).noneMatch(c -> c.startsWith("MAIL"));
    }

    @Test
    void requireTlsWithNothingToVerifyTheMxWithBouncesWith5710WithoutConnecting() throws Exception {
        serve(s -> s.ehlo("PIPELINING", "STARTTLS", "REQUIRETLS"));
        Outcome o = deliver(transport(DaneLookup.off(), StsLookup.off(), true), "secure.test", TlsRequest.REQUIRED);
        assertThat(o.summary()).startsWith("550 5.7.10").contains("no DANE, no MTA-STS policy");
        assertThat(mx.connections()).isZero();
    }

    @Test
    void requireTlsThroughAnUnverifiedSmarthostIsDeferredNeverBounced() throws Exception {
        serve(s -> s.ehlo("PIPELINING", "STARTTLS", "REQUIRETLS"));
        Path file = dir.resolve("relay.toml");
        Files.writeString(file, """
                hostname = "out.sluice.test"
                data_dir = "%s"
                [[delivery.smarthosts]]
                host = "127.0.0.1"
                ports = [%d]
                tls = "opportunistic"
                verify_certificate = false
                """.formatted(dir.resolve("data"), mx.port()));
        Config c = ConfigLoader.load(file, null);
        Envelope e = new Envelope("a@sluice.test", List.of(Recipient.pending("r@far.test", null, null)), Instant.now(),
                DATA.length, Map.of()).withTlsRequest(TlsRequest.REQUIRED);
        try (RemoteTransport t = new RemoteTransport(null, c.delivery(), c.hostname(), Timeouts.rfc5321(), Clock.systemUTC())) {
            Outcome o = t.deliver(new Job("q1", e, e.recipients(), new Destination.Smarthost(0, "127.0.0.1")), DATA).getFirst();
            assertThat(o.result()).as(o.summary()).isEqualTo(Outcome.Result.DEFERRED);
            assertThat(o.summary()).contains("REQUIRETLS: the host's certificate could not be verified");
        }
        assertThat(mx.commands()).noneMatch(x -> x.startsWith("MAIL"));
    }

    @Test
    void tlsRequiredNoSetsThePoliciesAside() throws Exception {
        serve(s -> {});
        Outcome o = deliver(transport(DaneLookup.off(), sts(StsPolicy.Mode.ENFORCE, "mx.test"), false), "secure.test",
                TlsRequest.OPTIONAL);
        assertThat(o.code()).as(o.summary()).isEqualTo(250);
        assertThat(o.tlsPolicy()).isEqualTo("none");
    }

    /** A DANE context whose records match nothing the server presents. */
    private static SSLContext refusingContext() throws Exception {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            public void checkServerTrusted(X509Certificate[] chain, String authType) throws PolicyCheckException {
                throw new PolicyCheckException(ResultType.VALIDATION_FAILURE,
                        "dane: no TLSA record matches the server's chain (3 1 1 00ff)");
            }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return c;
    }
}
