package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import sluice.config.Config;
import sluice.config.ConfigLoader;
import sluice.mailauth.DkimKeys;
import sluice.node.ReloadOutcome;
import sluice.testkit.Dialog;
import sluice.testkit.SluiceHarness;

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
