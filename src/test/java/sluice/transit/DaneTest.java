package sluice.transit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sluice.dns.SecureResolver;
import sluice.testkit.SignedZones;
import sluice.testkit.SignedZones.Kind;
import sluice.testkit.TestCa;
import sluice.testkit.TestDnsServer;

/**
 * KumoMTA's DANE matrix, against a private signed DNS tree served by nsd and real TLS handshakes on loopback: which
 * verdict each published state gives, and which chains the Authenticate context accepts.
 */
class DaneTest {
    private static final TestCa CA = TestCa.create("Test DANE CA");
    /** DANE-EE ignores names and dates: an expired self-signed certificate for another name. */
    private static final TestCa.Issued EE = TestCa.selfSigned(Instant.parse("2020-01-01T00:00:00Z"),
            Instant.parse("2021-01-01T00:00:00Z"), "not-the-mx.example");
    private static final TestCa.Issued OTHER = TestCa.selfSigned(Instant.now().minusSeconds(3600),
            Instant.now().plusSeconds(86400), "mx-311.dane.test");
    private static final TestCa.Issued TA_NAMED = CA.issue("mx-ta.dane.test");
    private static final TestCa.Issued TA_WILDCARD = CA.issue("*.dane.test");
    private static final TestCa.Issued TA_UNNAMED = CA.issue("elsewhere.example");
    private static final TestCa.Issued TA_EXPIRED = CA.issue(Instant.now().minus(Duration.ofDays(10)),
            Instant.now().minus(Duration.ofDays(1)), "mx-ta.dane.test");

    private static SignedZones zones;
    private static Dane dane;

    @BeforeAll
    static void zones() throws Exception {
        assumeTrue(SignedZones.available(), "nsd and ldnsutils are needed (apt-get install nsd ldnsutils)");
        String ee311 = TestCa.tlsaData(EE.leaf(), 1, 1);
        String ee301 = TestCa.tlsaData(EE.leaf(), 0, 1);
        String ca = TestCa.tlsaData(CA.certificate(), 0, 1);
        zones = SignedZones.builder()
                .zone("test", Kind.SIGNED)
                .zone("dane.test", Kind.SIGNED,
                        "@ MX 10 mx-311", "@ MX 10 mx-301", "@ MX 10 mx-wrong", "@ MX 10 mx-pkix", "@ MX 10 mx-ta",
                        "@ MX 10 mx-none", "@ MX 10 mx-alias", "@ MX 10 mx-alias-secure", "@ MX 10 mx-servfail",
                        "@ MX 10 mx-bogus-tlsa", "@ MX 20 mx.bogus.test.", "@ MX 20 mx.insecure.test.",
                        "mx-311 A 127.0.0.1", "_25._tcp.mx-311 TLSA 3 1 1 " + ee311,
                        "_2525._tcp.mx-311 TLSA 3 0 1 " + ee301,
                        "mx-301 A 127.0.0.1", "_25._tcp.mx-301 TLSA 3 0 1 " + ee301,
                        "mx-wrong A 127.0.0.1", "_25._tcp.mx-wrong TLSA 3 1 1 " + "ab12".repeat(16),
                        "mx-pkix A 127.0.0.1", "_25._tcp.mx-pkix TLSA 1 0 1 " + ca,
                        "mx-ta A 127.0.0.1", "_25._tcp.mx-ta TLSA 2 0 1 " + ca,
                        "mx-none A 127.0.0.1",
                        "mx-alias CNAME mx.insecure.test.", "_25._tcp.mx-alias TLSA 3 1 1 " + ee311,
                        "mx-alias-secure CNAME mx-311",
                        "mx-servfail A 127.0.0.1",
                        "mx-bogus-tlsa A 127.0.0.1")
                .zone("_25._tcp.mx-servfail.dane.test", Kind.SERVFAIL)
                .zone("_25._tcp.mx-bogus-tlsa.dane.test", Kind.EXPIRED, "@ TLSA 3 1 1 " + ee311)
                .zone("insecure.test", Kind.UNSIGNED, "@ MX 10 mx", "mx A 127.0.0.1", "_25._tcp.mx TLSA 3 1 1 " + ee311)
                .zone("bogus.test", Kind.EXPIRED, "@ MX 10 mx", "mx A 127.0.0.1", "_25._tcp.mx TLSA 3 1 1 " + ee311)
                .start();
        dane = Dane.over(SecureResolver.create(List.of(zones.address()), Duration.ofSeconds(2), zones.trustAnchor(),
                Clock.systemUTC()), 25, Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws IOException {
        if (zones != null) zones.close();
    }

    @Test
    void matching311AuthenticatesAnyNameAndDate() throws Exception {
        var verdict = authenticate("dane.test", "mx-311.dane.test");
        assertThat(verdict.summary()).startsWith("3 1 1 ");
        assertThat(handshake(verdict.context(), EE, "mx-311.dane.test")).isNull();
        assertThat(handshake(verdict.context(), OTHER, "mx-311.dane.test"))
                .isInstanceOfSatisfying(PolicyCheckException.class, e -> {
                    assertThat(e.type()).isEqualTo(ResultType.VALIDATION_FAILURE);
                    assertThat(e.getMessage()).startsWith("dane: no TLSA record matches the server's chain (3 1 1 ");
                });
    }

    @Test
    void matching301Authenticates() throws Exception {
        assertThat(handshake(authenticate("dane.test", "mx-301.dane.test").context(), EE, "mx-301.dane.test")).isNull();
    }

    @Test
    void tlsaIsAskedAtTheMxPortInUse() {
        Dane on2525 = Dane.over(resolver(), 2525, Clock.systemUTC());
        var verdict = on2525.forHost("dane.test", "mx-311.dane.test");
        assertThat(verdict).isInstanceOfSatisfying(DaneVerdict.Authenticate.class,
                a -> assertThat(a.summary()).startsWith("3 0 1 "));
    }

    @Test
    void wrongDigestRefusesTheHandshake() throws Exception {
        Throwable failure = handshake(authenticate("dane.test", "mx-wrong.dane.test").context(), EE, "mx-wrong.dane.test");
        assertThat(failure).isInstanceOfSatisfying(PolicyCheckException.class, e -> {
            assertThat(e.type()).isEqualTo(ResultType.VALIDATION_FAILURE);
            assertThat(e.getMessage()).contains("3 1 1 ab12ab12…");
        });
    }

    @Test
    void onlyPkixUsagesMeanEncryptOnly() {
        assertThat(dane.forHost("dane.test", "mx-pkix.dane.test")).isInstanceOfSatisfying(DaneVerdict.EncryptOnly.class,
                e -> assertThat(e.why()).contains("1 0 1 "));
    }

    @Test
    void daneTaNeedsTheChainToTheCaAndTheMxName() throws Exception {
        SSLContext context = authenticate("dane.test", "mx-ta.dane.test").context();
        assertThat(handshake(context, TA_NAMED, "mx-ta.dane.test")).isNull();
        assertThat(handshake(context, TA_WILDCARD, "mx-ta.dane.test")).isNull();
        assertThat(handshake(context, TA_UNNAMED, "mx-ta.dane.test")).isInstanceOfSatisfying(PolicyCheckException.class,
                e -> assertThat(e.type()).isEqualTo(ResultType.CERTIFICATE_HOST_MISMATCH));
        assertThat(handshake(context, TA_EXPIRED, "mx-ta.dane.test")).isInstanceOfSatisfying(PolicyCheckException.class,
                e -> assertThat(e.type()).isEqualTo(ResultType.CERTIFICATE_EXPIRED));
        assertThat(handshake(context, OTHER, "mx-ta.dane.test")).isInstanceOfSatisfying(PolicyCheckException.class,
                e -> assertThat(e.type()).isEqualTo(ResultType.VALIDATION_FAILURE));
    }

    @Test
    void servfailTlsaMakesTheHostUnusable() {
        assertThat(dane.forHost("dane.test", "mx-servfail.dane.test")).isInstanceOfSatisfying(DaneVerdict.Unusable.class,
                u -> {
                    assertThat(u.type()).isEqualTo(ResultType.TLSA_INVALID);
                    assertThat(u.detail()).contains("TLSA lookup at _25._tcp.mx-servfail.dane.test failed", "SERVFAIL");
                });
    }

    @Test
    void bogusTlsaMakesTheHostUnusable() {
        assertThat(dane.forHost("dane.test", "mx-bogus-tlsa.dane.test")).isInstanceOfSatisfying(DaneVerdict.Unusable.class,
                u -> {
                    assertThat(u.type()).isEqualTo(ResultType.TLSA_INVALID);
                    assertThat(u.detail()).contains("bogus");
                });
    }

    @Test
    void bogusAddressOrMxRecordsMakeTheHostUnusable() {
        assertThat(dane.forHost("dane.test", "mx.bogus.test")).isInstanceOfSatisfying(DaneVerdict.Unusable.class,
                u -> assertThat(u.type()).isEqualTo(ResultType.DNSSEC_INVALID));
        assertThat(dane.forHost("bogus.test", "mx.bogus.test")).isInstanceOfSatisfying(DaneVerdict.Unusable.class,
                u -> assertThat(u.detail()).contains("MX records of bogus.test are bogus"));
    }

    @Test
    void insecureZoneIsNotDane() {
        assertThat(dane.forHost("insecure.test", "mx.insecure.test")).isInstanceOfSatisfying(DaneVerdict.NotApplicable.class,
                n -> assertThat(n.why()).contains("MX records of insecure.test are not DNSSEC-signed"));
        assertThat(dane.forHost("dane.test", "mx.insecure.test")).isInstanceOfSatisfying(DaneVerdict.NotApplicable.class,
                n -> assertThat(n.why()).contains("address records of mx.insecure.test are not DNSSEC-signed"));
    }

    @Test
    void cnameIntoAnUnsignedZoneIsNotDane() {
        // RFC 7672 2.2.2/2.2.3: the addresses come through an insecure CNAME target, so the TLSA at the alias is unused
        assertThat(dane.forHost("dane.test", "mx-alias.dane.test")).isInstanceOfSatisfying(DaneVerdict.NotApplicable.class,
                n -> assertThat(n.why()).contains("not DNSSEC-signed (CNAME to mx.insecure.test)"));
    }

    @Test
    void secureCnameUsesTheTlsaOfTheExpandedName() throws Exception {
        var verdict = authenticate("dane.test", "mx-alias-secure.dane.test");
        assertThat(verdict.summary()).startsWith("3 1 1 ");
        assertThat(handshake(verdict.context(), EE, "mx-alias-secure.dane.test")).isNull();
    }

    @Test
    void noTlsaIsNotDane() {
        assertThat(dane.forHost("dane.test", "mx-none.dane.test")).isInstanceOfSatisfying(DaneVerdict.NotApplicable.class,
                n -> assertThat(n.why()).contains("no signed TLSA records at _25._tcp.mx-none.dane.test"));
    }

    @Test
    void aHostOutsideTheSignedMxSetIsNotDane() {
        assertThat(dane.forHost("dane.test", "mx.elsewhere.test")).isInstanceOf(DaneVerdict.NotApplicable.class);
    }

    @Test
    void aResolverThatStripsDnssecMeansNoDaneRatherThanNoMail() throws IOException {
        try (TestDnsServer plain = TestDnsServer.start()) {
            plain.mx("dane.test", 10, "mx-311.dane.test").a("mx-311.dane.test", "127.0.0.1");
            Dane stripped = Dane.over(SecureResolver.create(List.of(plain.address()), Duration.ofSeconds(1),
                    zones.trustAnchor(), Clock.systemUTC()), 25, Clock.systemUTC());
            assertThat(stripped.forHost("dane.test", "mx-311.dane.test")).isInstanceOfSatisfying(
                    DaneVerdict.NotApplicable.class, n -> assertThat(n.why()).contains("DNSSEC unavailable"));
            assertThat(stripped.state()).startsWith("DNSSEC unavailable, DANE off");
        }
    }

    private static SecureResolver resolver() {
        try {
            return SecureResolver.create(List.of(zones.address()), Duration.ofSeconds(2), zones.trustAnchor(), Clock.systemUTC());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static DaneVerdict.Authenticate authenticate(String domain, String host) {
        DaneVerdict verdict = dane.forHost(domain, host);
        assertThat(verdict).isInstanceOf(DaneVerdict.Authenticate.class);
        return (DaneVerdict.Authenticate) verdict;
    }

    /** A TLS 1.2+ handshake with a server presenting {@code server}: null if accepted, else the client's reason. */
    private static Throwable handshake(SSLContext client, TestCa.Issued server, String host) throws Exception {
        try (SSLServerSocket listener = (SSLServerSocket) server.serverContext().getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread accept = Thread.ofVirtual().start(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.startHandshake();
                    s.getInputStream().read();
                } catch (IOException expectedWhenRefused) {
                    // the client's verdict is what the test checks
                }
            });
            try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()), 5000);
                socket.setSoTimeout(5000);
                var params = socket.getSSLParameters();
                params.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                params.setServerNames(List.of(new SNIHostName(host)));
                socket.setSSLParameters(params);
                socket.startHandshake();
                return null;
            } catch (IOException e) {
                for (Throwable t = e; t != null; t = t.getCause()) {
                    if (t instanceof PolicyCheckException p) return p;
                }
                return e;
            } finally {
                accept.join(5000);
            }
        }
    }
}
