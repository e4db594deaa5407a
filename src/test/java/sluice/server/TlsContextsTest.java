package sluice.server;

import sluice.testkit.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.config.TlsConfig;

class TlsContextsTest {
    private static final Duration INTERVAL = Duration.ofMinutes(5);

    @TempDir Path dir;
    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void serverParametersAllowOnlyModernProtocolsAndAeadCiphers() throws Exception {
        SSLParameters parameters = selfSigned().serverParameters();
        assertThat(parameters.getProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(parameters.getCipherSuites()).contains("TLS_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
        assertThat(parameters.getCipherSuites()).allSatisfy(suite -> assertThat(suite)
                .matches("TLS_(AES_\\d+_GCM|CHACHA20_POLY1305)_SHA\\d+"
                        + "|TLS_ECDHE_(ECDSA|RSA)_WITH_(AES_\\d+_GCM|CHACHA20_POLY1305)_SHA\\d+"));
        assertThat(parameters.getUseCipherSuitesOrder()).isTrue();
        assertThat(parameters.getNeedClientAuth()).isFalse();
        assertThat(parameters.getWantClientAuth()).isFalse();
    }

    @Test
    void opensslClientNegotiatesTls12WithEcdheGcm() throws Exception {
        Handshake result = opensslHandshake(selfSigned(), "-tls1_2");
        assertThat(result.client().exit()).as(result.client().output()).isZero();
        assertThat(result.client().output()).contains("Protocol version: TLSv1.2")
                .containsPattern("Ciphersuite: ECDHE-ECDSA-AES(128|256)-GCM-SHA(256|384)");
        assertThat(result.server()).matches("TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_\\d+_GCM_SHA\\d+");
    }

    @Test
    void opensslClientNegotiatesTls12WithRsaCertificate() throws Exception {
        TlsTestFiles.rsa(dir, "rsa");
        TlsContexts contexts = TlsContexts.load(
                new TlsConfig(dir.resolve("rsa.crt"), dir.resolve("rsa.key"), INTERVAL), dir, "mx.test");
        Handshake result = opensslHandshake(contexts, "-tls1_2");
        assertThat(result.client().exit()).as(result.client().output()).isZero();
        assertThat(result.client().output()).containsPattern("Ciphersuite: ECDHE-RSA-AES(128|256)-GCM-SHA(256|384)");
    }

    @Test
    void opensslClientNegotiatesTls13() throws Exception {
        Handshake result = opensslHandshake(selfSigned(), "-tls1_3");
        assertThat(result.client().exit()).as(result.client().output()).isZero();
        assertThat(result.client().output()).contains("Protocol version: TLSv1.3");
        assertThat(result.server()).startsWith("TLSv1.3 TLS_");
    }

    @Test
    void opensslClientCannotUseTls11() throws Exception {
        // SECLEVEL=0 lets this openssl offer TLS 1.1 at all, so that it is our server that says no.
        Handshake result = opensslHandshake(selfSigned(), "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
        assertThat(result.client().exit()).as(result.client().output()).isNotZero();
        assertThat(result.server()).startsWith("failed: ").contains("TLSv1.1");
    }

    @Test
    void reloadsChangedFilesAfterTheInterval() throws Exception {
        TlsIdentity a = SelfSignedCertificate.generate("a.test", Instant.now());
        TlsIdentity b = SelfSignedCertificate.generate("b.test", Instant.now());
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        write(a, cert, key);
        MutableClock clock = new MutableClock(Instant.now());
        TlsContexts contexts = new TlsContexts(new TlsConfig(cert, key, INTERVAL), dir, "mx.test", clock);
        assertThat(servedCertificate(contexts)).isEqualTo(a.leaf());

        write(b, cert, key);
        clock.advance(INTERVAL.minusSeconds(1));
        assertThat(servedCertificate(contexts)).as("not looked at before the interval").isEqualTo(a.leaf());
        clock.advance(Duration.ofSeconds(1));
        assertThat(servedCertificate(contexts)).isEqualTo(b.leaf());
    }

    @Test
    void keepsServingTheOldCertificateWhenNewFilesAreBroken() throws Exception {
        TlsIdentity a = SelfSignedCertificate.generate("a.test", Instant.now());
        TlsIdentity b = SelfSignedCertificate.generate("b.test", Instant.now());
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        write(a, cert, key);
        MutableClock clock = new MutableClock(Instant.now());
        TlsContexts contexts = new TlsContexts(new TlsConfig(cert, key, INTERVAL), dir, "mx.test", clock);
        SSLContext original = contexts.current();

        TlsTestFiles.replace(cert, PemFiles.certificatePem(b.leaf())); // renewal half done: key not yet replaced
        clock.advance(INTERVAL);
        assertThat(contexts.current()).isSameAs(original);
        assertThat(servedCertificate(contexts)).isEqualTo(a.leaf());

        TlsTestFiles.replace(cert, "garbage");
        clock.advance(INTERVAL);
        assertThat(contexts.current()).isSameAs(original);

        Files.delete(cert);
        clock.advance(INTERVAL);
        assertThat(contexts.current()).isSameAs(original);

        write(b, cert, key); // renewal completed
        clock.advance(INTERVAL);
        assertThat(servedCertificate(contexts)).isEqualTo(b.leaf());
    }

    @Test
    void withoutAnIntervalTheFilesAreNeverLookedAtAgain() throws Exception {
        TlsIdentity a = SelfSignedCertificate.generate("a.test", Instant.now());
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        write(a, cert, key);
        MutableClock clock = new MutableClock(Instant.now());
        TlsContexts contexts = new TlsContexts(new TlsConfig(cert, key, null), dir, "mx.test", clock);
        SSLContext original = contexts.current();
        write(SelfSignedCertificate.generate("b.test", Instant.now()), cert, key);
        clock.advance(Duration.ofDays(1));
        assertThat(contexts.current()).isSameAs(original);
    }

    @Test
    void wrapServerRefusesAnUnconnectedSocket() throws Exception {
        TlsContexts contexts = selfSigned();
        try (Socket unconnected = new Socket()) {
            assertThatThrownBy(() -> contexts.wrapServer(unconnected)).isInstanceOf(IOException.class);
        }
    }

    // ---- fixtures

    private record Handshake(TlsTestFiles.Run client, String server) {}

    private TlsContexts selfSigned() throws TlsSetupException {
        return TlsContexts.load(new TlsConfig(null, null, INTERVAL), dir, "mx.test");
    }

    private static InetAddress loopback() throws IOException {
        return InetAddress.getByAddress(new byte[] {127, 0, 0, 1}); // bytes, not a name: no lookup
    }

    /** One connection: our server side through wrapServer, openssl s_client as the peer. */
    private Handshake opensslHandshake(TlsContexts contexts, String... clientOptions) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, loopback())) {
            Future<String> serverSide = executor.submit(() -> serve(contexts, server));
            List<String> command = new ArrayList<>(List.of("openssl", "s_client",
                    "-connect", "127.0.0.1:" + server.getLocalPort(), "-noservername", "-brief"));
            command.addAll(List.of(clientOptions));
            TlsTestFiles.Run client = TlsTestFiles.run(dir, command, 30);
            return new Handshake(client, serverSide.get(30, TimeUnit.SECONDS));
        }
    }

    private static String serve(TlsContexts contexts, ServerSocket server) throws IOException {
        try (Socket plain = server.accept()) {
            plain.setSoTimeout(20_000);
            SSLSocket tls = contexts.wrapServer(plain);
            try (tls) {
                tls.startHandshake();
                return TlsContexts.describe(tls.getSession());
            } catch (SSLException e) {
                return "failed: " + e.getMessage();
            }
        }
    }

    /** Connects a JDK client that trusts anything and returns the certificate the server presented. */
    private X509Certificate servedCertificate(TlsContexts contexts) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, loopback())) {
            Future<String> serverSide = executor.submit(() -> serve(contexts, server));
            SSLContext trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, new TrustManager[] {new TrustAll()}, null);
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress(loopback(), server.getLocalPort()), 10_000);
                plain.setSoTimeout(20_000);
                SSLSocket tls = (SSLSocket) trustAll.getSocketFactory()
                        .createSocket(plain, "127.0.0.1", server.getLocalPort(), true);
                tls.startHandshake();
                X509Certificate peer = (X509Certificate) tls.getSession().getPeerCertificates()[0];
                tls.close();
                assertThat(serverSide.get(30, TimeUnit.SECONDS)).doesNotStartWith("failed");
                return peer;
            }
        }
    }

    private static void write(TlsIdentity identity, Path cert, Path key) throws IOException {
        TlsTestFiles.replace(key, PemFiles.keyPem(identity.key()));
        TlsTestFiles.replace(cert, PemFiles.certificatePem(identity.leaf()));
    }

    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
