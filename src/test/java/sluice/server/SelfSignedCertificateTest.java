package sluice.server;

import sluice.testkit.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.config.TlsConfig;

class SelfSignedCertificateTest {
    private static final TlsConfig SELF_SIGNED = new TlsConfig(null, null, Duration.ofMinutes(5));

    @TempDir Path dataDir;

    @Test
    void generatesEcCertificateForHostnameLocalhostAndLoopback() throws Exception {
        long start = System.nanoTime();
        TlsContexts contexts = TlsContexts.load(SELF_SIGNED, dataDir, "mx.example.org");
        // The budget is "well under a second"; the bound is loose because the build machine is shared.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));

        X509Certificate cert = contexts.identity().leaf();
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=mx.example.org");
        assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(cert.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(cert.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(2, "mx.example.org"), List.of(2, "localhost"), List.of(7, "127.0.0.1"));
        assertThat(Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant()))
                .isBetween(Duration.ofDays(365), Duration.ofDays(366));
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        cert.verify(cert.getPublicKey());
    }

    @Test
    void storesKeyPrivatelyAndReusesItOnTheNextStart() throws Exception {
        X509Certificate first = TlsContexts.load(SELF_SIGNED, dataDir, "mx.test").identity().leaf();
        Path keyFile = dataDir.resolve("tls/selfsigned.key");
        assertThat(Files.getPosixFilePermissions(keyFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(keyFile)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(dataDir.resolve("tls/selfsigned.crt"))).startsWith("-----BEGIN CERTIFICATE-----");

        X509Certificate second = TlsContexts.load(SELF_SIGNED, dataDir, "mx.test").identity().leaf();
        assertThat(second).isEqualTo(first);
    }

    @Test
    void regeneratesWhenDeleted() throws Exception {
        X509Certificate first = TlsContexts.load(SELF_SIGNED, dataDir, "mx.test").identity().leaf();
        Files.delete(dataDir.resolve("tls/selfsigned.crt"));
        X509Certificate second = TlsContexts.load(SELF_SIGNED, dataDir, "mx.test").identity().leaf();
        assertThat(second).isNotEqualTo(first);
        assertThat(second.getSubjectX500Principal().getName()).isEqualTo("CN=mx.test");
    }

    @Test
    void regeneratesWhenUnreadable() throws Exception {
        TlsContexts.load(SELF_SIGNED, dataDir, "mx.test");
        Files.writeString(dataDir.resolve("tls/selfsigned.key"), "garbage");
        X509Certificate second = TlsContexts.load(SELF_SIGNED, dataDir, "mx.test").identity().leaf();
        assertThat(PemFiles.read(dataDir.resolve("tls/selfsigned.crt"), dataDir.resolve("tls/selfsigned.key"))
                .leaf()).isEqualTo(second);
    }

    @Test
    void regeneratesWhenExpiredOrForAnotherHostname() throws Exception {
        Instant start = Instant.now();
        X509Certificate first = new TlsContexts(SELF_SIGNED, dataDir, "mx.test", new MutableClock(start))
                .identity().leaf();
        MutableClock later = new MutableClock(start.plus(Duration.ofDays(400)));
        X509Certificate renewed = new TlsContexts(SELF_SIGNED, dataDir, "mx.test", later).identity().leaf();
        assertThat(renewed).isNotEqualTo(first);
        assertThat(renewed.getNotAfter().toInstant()).isAfter(later.instant());

        X509Certificate renamed = TlsContexts.load(SELF_SIGNED, dataDir, "mx2.test").identity().leaf();
        assertThat(renamed.getSubjectX500Principal().getName()).isEqualTo("CN=mx2.test");
    }

    @Test
    void runningServerRenewsAnExpiredSelfSignedCertificate() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        TlsContexts contexts = new TlsContexts(SELF_SIGNED, dataDir, "mx.test", clock);
        X509Certificate first = contexts.identity().leaf();
        clock.advance(Duration.ofDays(200));
        contexts.current();
        assertThat(contexts.identity().leaf()).isEqualTo(first);
        clock.advance(Duration.ofDays(200));
        contexts.current();
        assertThat(contexts.identity().leaf()).isNotEqualTo(first);
    }

    @Test
    void ipLiteralHostnameBecomesAnIpAlternativeName() throws Exception {
        X509Certificate cert = TlsContexts.load(SELF_SIGNED, dataDir, "192.0.2.7").identity().leaf();
        assertThat(cert.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(7, "192.0.2.7"), List.of(2, "localhost"), List.of(7, "127.0.0.1"));
    }
}
