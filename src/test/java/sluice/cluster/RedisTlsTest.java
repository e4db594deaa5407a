package sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.config.ClusterConfig;
import sluice.testkit.FreePorts;
import sluice.testkit.Peer;
import sluice.testkit.RedisServer;

/**
 * rediss:// with a private CA and a password (in the URL or a file), against a redis-server that speaks only TLS
 * and requires the password. A wrong password or an untrusted certificate is a degraded node saying why, never a
 * silent one.
 */
class RedisTlsTest {
    @TempDir
    Path dir;
    private RedisServer redis;
    private int port;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(RedisServer.available() && Peer.available("openssl"), "redis-server or openssl is not installed");
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                "-subj", "/CN=sluice test ca");
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
                "-subj", "/CN=127.0.0.1");
        Files.writeString(dir.resolve("ext"), "subjectAltName=IP:127.0.0.1\n");
        run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.pem", "-days", "2", "-extfile", "ext");
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.pem",
                "-days", "2", "-subj", "/CN=another ca");
        port = FreePorts.next();
        redis = RedisServer.start(port, List.of("--port", "0", "--tls-port", Integer.toString(port),
                "--tls-cert-file", dir.resolve("server.pem").toString(), "--tls-key-file", dir.resolve("server.key").toString(),
                "--tls-ca-cert-file", dir.resolve("ca.pem").toString(), "--tls-auth-clients", "no",
                "--requirepass", "s3cret-pw"));
    }

    @AfterEach
    void stop() throws Exception {
        if (redis != null) redis.close();
    }

    private void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }

    private ClusterConfig config(String url, Path passwordFile, Path ca) {
        return new ClusterConfig(url, List.of(), "", null, passwordFile, ca, false, Duration.ofMillis(500));
    }

    @Test
    void theUrlsPasswordOverTlsWithThePrivateCa() throws Exception {
        try (Cluster c = Cluster.start(config("rediss://:s3cret-pw@127.0.0.1:" + port, null, dir.resolve("ca.pem")),
                "node-a", () -> 0, () -> null, Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> c.membership().members().size() == 1);
            assertThat(c.health().shared()).isTrue();
            assertThat(c.view().redis()).isEqualTo("rediss://127.0.0.1:" + port).doesNotContain("s3cret");
        }
    }

    @Test
    void thePasswordFromAFile() throws Exception {
        Path pw = dir.resolve("redis.password");
        Files.writeString(pw, "s3cret-pw\n");
        try (Cluster c = Cluster.start(config("rediss://127.0.0.1:" + port, pw, dir.resolve("ca.pem")),
                "node-a", () -> 0, () -> null, Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(5)).until(() -> c.membership().members().size() == 1);
            assertThat(c.health().shared()).isTrue();
        }
    }

    @Test
    void aWrongPasswordIsADegradedNodeThatSaysWhy() throws Exception {
        try (Cluster c = Cluster.start(config("rediss://:wrong@127.0.0.1:" + port, null, dir.resolve("ca.pem")),
                "node-a", () -> 0, () -> null, Clock.systemUTC())) {
            assertThat(c.health().degraded()).isTrue();
            assertThat(c.health().lastError()).contains("credentials").doesNotContain("wrong@");
        }
    }

    @Test
    void anUntrustedCertificateIsNeverUsed() throws Exception {
        try (Cluster c = Cluster.start(config("rediss://:s3cret-pw@127.0.0.1:" + port, null, dir.resolve("other.pem")),
                "node-a", () -> 0, () -> null, Clock.systemUTC())) {
            assertThat(c.health().degraded()).isTrue();
            assertThat(c.membership().members()).isEmpty();
        }
    }
}
