package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.Dialog;
import sluice.testkit.FreePorts;
import sluice.testkit.Peer;
import sluice.testkit.SluiceProcess;

/**
 * `systemctl reload sluice` as systemd does it: SIGHUP to a running `sluice serve`. The new certificate is served to
 * the next handshake (openssl s_client), new limits and aliases hold for the next session, a new user can AUTH
 * (swaks), what needs a restart is named and kept, a session in the middle of a transaction finishes with 250, and a
 * broken config is refused with its file:line while the server keeps serving on the old one.
 */
class ReloadTest {
    @TempDir
    Path dir;

    private int mx, submission, admin;

    @Test
    void sighupAppliesWhatCanChangeLiveAndRefusesABrokenConfig() throws Exception {
        mx = FreePorts.next();
        submission = FreePorts.next();
        admin = FreePorts.next();
        Path cert = dir.resolve("cert.pem"), key = dir.resolve("key.pem");
        certificate("before.reload.test", cert, key);
        Path config = dir.resolve("sluice.toml");
        Files.writeString(config, config("mx.sluice.test", 100_000, ""));

        try (SluiceProcess server = SluiceProcess.start("serve", "--config", config.toString())) {
            assertThat(server.awaitReady(60)).as(server.output()).isTrue();
            assertThat(servedCertificate()).contains("before.reload.test");
            try (Dialog d = new Dialog(mx)) {
                d.reply();
                assertThat(ehlo(d)).contains("SIZE 100000");
                d.ask("MAIL FROM:<a@far.test>");
                assertThat(d.ask("RCPT TO:<sales@example.test>")).startsWith("550");
            }

            // a session in the middle of a transaction when the reload comes
            Dialog inFlight = new Dialog(mx);
            inFlight.reply();
            inFlight.ask("EHLO client.test");
            assertThat(inFlight.ask("MAIL FROM:<a@far.test>")).startsWith("250");
            assertThat(inFlight.ask("RCPT TO:<postmaster@example.test>")).startsWith("250");

            certificate("after.reload.test", cert, key);
            Files.writeString(config, config("renamed.sluice.test", 200_000,
                    "aliases = { \"sales@example.test\" = \"postmaster@example.test\" }"));
            Peer.Result added = SluiceProcess.run("s3cret", "user", "add", "bob@example.test", "--password-stdin",
                    "--config", config.toString());
            assertThat(added.exit()).as(added.output()).isZero();
            hangUp(server);
            await().atMost(Duration.ofSeconds(20)).until(() -> server.output().contains("sluice: config reloaded"));
            String line = lineWith(server.output(), "sluice: config reloaded");
            assertThat(line).contains("applied [limits], [local] aliases")
                    .contains("needs a restart (still running on the old values): hostname")
                    .contains("after.reload.test").contains("1 user(s)");

            assertThat(servedCertificate()).contains("after.reload.test");
            try (Dialog d = new Dialog(mx)) {
                assertThat(d.reply()).as("the hostname needs a restart").anyMatch(l -> l.contains("mx.sluice.test"));
                assertThat(ehlo(d)).contains("SIZE 200000");
                d.ask("MAIL FROM:<a@far.test>");
                assertThat(d.ask("RCPT TO:<sales@example.test>")).startsWith("250");
            }
            Peer.Result swaks = Peer.run(List.of("swaks", "--server", "127.0.0.1:" + submission, "-tls",
                    "--auth", "PLAIN", "--auth-user", "bob@example.test", "--auth-password", "s3cret",
                    "--from", "bob@example.test", "--to", "postmaster@example.test", "--quit-after", "AUTH"), null, 30);
            assertThat(swaks.output()).contains("235 ");

            assertThat(inFlight.ask("DATA")).startsWith("354");
            inFlight.raw("Subject: in flight\r\n\r\nbody\r\n.\r\n");
            assertThat(String.join("\n", inFlight.reply())).as("the session open across the reload").startsWith("250");
            inFlight.ask("QUIT");
            inFlight.close();

            Files.writeString(config, config("mx.sluice.test", 300_000, "").replace("max_message_size = 300000",
                    "max_message_size = \"lots\""));
            hangUp(server);
            await().atMost(Duration.ofSeconds(20)).until(() -> server.output().contains("sluice: reload refused"));
            assertThat(lineWith(server.output(), "sluice: reload refused"))
                    .contains(config + ":").contains("limits.max_message_size");
            try (Dialog d = new Dialog(mx)) {
                d.reply();
                assertThat(ehlo(d)).as("still on the last good config").contains("SIZE 200000");
                d.ask("MAIL FROM:<a@far.test>");
                assertThat(d.ask("RCPT TO:<sales@example.test>")).startsWith("250");
            }
            assertThat(servedCertificate()).contains("after.reload.test");
            assertThat(server.process().isAlive()).isTrue();
            assertThat(server.output()).doesNotContain("Exception");
            assertThat(server.terminate(30)).isZero();
        }
    }

    private String config(String hostname, long maxSize, String aliases) {
        return """
                hostname = "%s"
                data_dir = "%s"
                local_domains = ["example.test"]

                [[listeners]]
                address = "127.0.0.1"
                port = %d
                mode = "mx"

                [[listeners]]
                address = "127.0.0.1"
                port = %d
                mode = "submission"

                [tls]
                cert_file = "%s"
                key_file = "%s"
                reload_interval = "1h"

                [limits]
                max_message_size = %d

                [auth]
                failure_delay = "10ms"

                [local]
                %s

                [timeouts]
                shutdown = "5s"

                [delivery]
                paused = true

                [admin]
                address = "127.0.0.1:%d"
                """.formatted(hostname, dir.resolve("data"), mx, submission, dir.resolve("cert.pem"),
                dir.resolve("key.pem"), maxSize, aliases, admin);
    }

    /** A self-signed certificate from openssl itself, written over the files the server reads. */
    private void certificate(String name, Path cert, Path key) throws Exception {
        Path newCert = dir.resolve("new-cert.pem"), newKey = dir.resolve("new-key.pem");
        Peer.Result r = Peer.run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", newKey.toString(), "-out", newCert.toString(), "-days",
                "30", "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name), null, 30);
        assertThat(r.exit()).as(r.output()).isZero();
        Files.move(newKey, key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(newCert, cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** The subject of the certificate a fresh STARTTLS handshake gets, as openssl s_client sees it. */
    private String servedCertificate() throws Exception {
        Peer.Result r = Peer.run(List.of("openssl", "s_client", "-starttls", "smtp", "-connect", "127.0.0.1:" + mx,
                "-brief"), "", 30);
        return r.output();
    }

    private static String ehlo(Dialog d) throws Exception {
        return String.join("\n", d.send("EHLO client.test").reply());
    }

    private static void hangUp(SluiceProcess server) throws Exception {
        Peer.Result r = Peer.run(List.of("kill", "-HUP", Long.toString(server.process().pid())), null, 10);
        assertThat(r.exit()).as(r.output()).isZero();
    }

    private static String lineWith(String output, String text) {
        return output.lines().filter(l -> l.contains(text)).reduce((a, b) -> b).orElseThrow();
    }
}
