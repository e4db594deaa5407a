package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import sluice.config.Config;
import sluice.config.ConfigLoader;
import sluice.mailauth.DkimKeys;
import sluice.node.ReloadOutcome;
import sluice.testkit.Dialog;
import sluice.testkit.SluiceHarness;
import sluice.testkit.WebhookReceiver;
import sluice.testkit.TempDirs;

/**
 * A reload of a running node, the parts ReloadTest does not drive through a process: trusted networks and DKIM keys
 * change for the next session and message, on SMTP and the send API alike (one signer for every door), and a DKIM key
 * that cannot be read refuses the whole reload.
 */
class NodeReloadTest {
    @Test
    void trustedNetworksAndDkimKeysChangeLiveAndABrokenKeyRefusesTheReload() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", "[delivery]\npaused = true\n")) {
            assertThat(relay(s)).as("127.0.0.1 is not trusted yet").startsWith("5");
            assertThat(stored(s, submit(s))).doesNotContain("DKIM-Signature:");

            KeyPair pair = DkimKeys.generate("ed25519");
            Path key = s.dir.resolve("example.test.s2.key");
            DkimKeys.writePem(pair.getPrivate(), key);
            String text = Files.readString(s.dir.resolve("sluice.toml"));
            String next = text.replace("trusted_networks = []", "trusted_networks = [\"127.0.0.0/8\"]") + """

                    [[dkim]]
                    domain = "example.test"
                    selector = "s2"
                    key_file = "%s"
                    """.formatted(key);
            ReloadOutcome outcome = s.node().reload(load(s, "next.toml", next));
            assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Applied.class, a -> {
                assertThat(a.changed()).containsExactly("trusted_networks", "[[dkim]]");
                assertThat(a.needsRestart()).isEmpty();
            });
            assertThat(relay(s)).startsWith("250");
            assertThat(stored(s, submit(s))).startsWith("DKIM-Signature:").contains("d=example.test").contains("s=s2");
            assertThat(s.node().config().trustedNetworks()).hasSize(1);

            Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n");
            ReloadOutcome refused = s.node().reload(load(s, "broken.toml", next.replace("\"s2\"", "\"s3\"")));
            assertThat(refused).isInstanceOfSatisfying(ReloadOutcome.Refused.class,
                    r -> assertThat(r.why()).startsWith("dkim: ").contains(key.toString()));
            assertThat(stored(s, submit(s))).as("the keys read before stay").contains("s=s2");
        }
    }

    @Test
    void webhookEndpointsChangeLiveWithTheirSecretsReadAgain() throws Exception {
        Path secrets = TempDirs.dir("sluice-reload-secrets");
        String first = WebhooksEndToEndTest.newSecret(), second = WebhooksEndToEndTest.newSecret(),
                extra = WebhooksEndToEndTest.newSecret();
        Files.writeString(secrets.resolve("hooks.secret"), first + "\n");
        Files.writeString(secrets.resolve("extra.secret"), extra + "\n");
        try (WebhookReceiver receiver = WebhookReceiver.start(java.util.Map.of("/one", List.of(first),
                "/two", List.of(second), "/three", List.of(extra)));
             SluiceHarness s = SluiceHarness.start("[]", "[delivery]\npaused = true\n" + endpoint("hooks",
                     receiver.url("/one"), secrets.resolve("hooks.secret")))) {
            assertThat(refusedRcpt(s)).startsWith("550");
            await().atMost(Duration.ofSeconds(20)).until(() -> verified(receiver, "/one") == 1);

            Files.writeString(secrets.resolve("hooks.secret"), second + "\n");
            String text = Files.readString(s.dir.resolve("sluice.toml")).replace(receiver.url("/one"), receiver.url("/two"))
                    + endpoint("extra", receiver.url("/three"), secrets.resolve("extra.secret"));
            ReloadOutcome outcome = s.node().reload(load(s, "next.toml", text));
            assertThat(outcome).isInstanceOfSatisfying(ReloadOutcome.Applied.class, a -> {
                assertThat(a.changed()).containsExactly("[[webhooks]]");
                assertThat(a.notes()).contains("webhooks hooks (changed), extra (added)");
            });
            assertThat(refusedRcpt(s)).startsWith("550");
            await().atMost(Duration.ofSeconds(20)).until(() -> verified(receiver, "/two") == 1
                    && verified(receiver, "/three") == 1);
            assertThat(receiver.records()).filteredOn(r -> r.path("path").asText().equals("/one")).hasSize(1);

            // an endpoint whose secret file cannot be read refuses the reload; the running endpoints stay
            Files.writeString(secrets.resolve("broken.secret"), "not a secret\n");
            String broken = text + endpoint("broken", receiver.url("/four"), secrets.resolve("broken.secret"));
            ReloadOutcome refused = s.node().reload(load(s, "broken.toml", broken));
            assertThat(refused).isInstanceOfSatisfying(ReloadOutcome.Refused.class,
                    r -> assertThat(r.why()).startsWith("webhooks broken: secret: "));
            assertThat(refusedRcpt(s)).startsWith("550");
            await().atMost(Duration.ofSeconds(20)).until(() -> verified(receiver, "/two") == 2);
        }
    }

    private static String endpoint(String name, String url, Path secret) {
        return "\n[[webhooks]]\nname = \"%s\"\nurl = \"%s\"\nevents = [\"rejected\"]\nsecret_file = \"%s\"\n"
                .formatted(name, url, secret);
    }

    /** Requests to {@code path} whose signature the standardwebhooks package verified with the path's secret. */
    private static long verified(WebhookReceiver receiver, String path) throws Exception {
        return receiver.records().stream().filter(r -> r.path("path").asText().equals(path))
                .filter(r -> r.path("verified").path(0).asBoolean()).count();
    }

    /** A RCPT the mx listener refuses (no such user in strict.test): one "rejected" event. */
    private static String refusedRcpt(SluiceHarness s) throws Exception {
        try (Dialog d = new Dialog(s.mx)) {
            d.expect();
            d.ask("EHLO client.test");
            d.ask("MAIL FROM:<someone@far.test>");
            return d.ask("RCPT TO:<nobody@strict.test>");
        }
    }

    private static Config load(SluiceHarness s, String name, String toml) throws Exception {
        Path file = s.dir.resolve(name);
        Files.writeString(file, toml);
        return ConfigLoader.load(file, null);
    }

    /** The reply to a remote RCPT from 127.0.0.1 on the mx listener, without AUTH. */
    private static String relay(SluiceHarness s) throws Exception {
        try (Dialog d = new Dialog(s.mx)) {
            d.expect();
            d.ask("EHLO client.test");
            d.ask("MAIL FROM:<app@example.test>");
            return d.ask("RCPT TO:<bob@far.test>");
        }
    }

    private static String submit(SluiceHarness s) throws Exception {
        try (Dialog d = Dialog.startTls(s.submission)) {
            d.login(SluiceHarness.USER, SluiceHarness.PASSWORD);
            d.ask("MAIL FROM:<alice@example.test>");
            d.ask("RCPT TO:<bob@far.test>");
            d.ask("DATA");
            return d.ask("From: Alice <alice@example.test>\r\nTo: bob@far.test\r\nSubject: hi\r\n\r\nHello\r\n.");
        }
    }

    private static String stored(SluiceHarness s, String reply) throws Exception {
        assertThat(reply).startsWith("250");
        String id = reply.substring(reply.lastIndexOf(' ') + 1);
        return new String(s.spool().readData(id).orElseThrow(), StandardCharsets.UTF_8);
    }
}
