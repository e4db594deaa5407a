package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.Dialog;
import sluice.testkit.FreePorts;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;

/** `sluice serve`, `check-config` and `user add` as separate processes, as an operator runs them. */
class ServeCliTest {
    @TempDir
    Path dir;

    private int[] ports() {
        return new int[] {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
    }

    @Test
    void servePrintsListenersAndReadyThenStopsCleanlyOnSigterm() throws Exception {
        int[] ports = ports();
        Path config = SluiceHarness.writeConfig(dir, ports, "[]", "");
        try (SluiceProcess p = SluiceProcess.start("serve", "--config", config.toString())) {
            assertThat(p.awaitReady(60)).as(p.output()).isTrue();
            assertThat(p.output()).containsPattern("(?m)^" + ports[0] + " +mx +STARTTLS")
                    .containsPattern("(?m)^" + ports[2] + " +submissions +implicit").contains("ready", "No users yet");
            Peer.Result add = SluiceProcess.run("pw123\n", "user", "add", "carol@example.test", "--password-stdin",
                    "--config", config.toString());
            assertThat(add.exit()).as(add.output()).isZero();
            try (Dialog d = new Dialog(ports[1])) {
                d.expect();
                d.ask("EHLO c.test");
                d.ask("STARTTLS");
                d.upgrade();
                d.ask("EHLO c.test");
                d.login("carol@example.test", "pw123"); // the running server sees the new user
            }
            int exit = p.terminate(40);
            assertThat(exit).as(p.output()).isZero();
            assertThat(p.output()).contains("stopped");
        }
    }

    @Test
    void portInUseIsOneClearLine() throws Exception {
        int[] ports = ports();
        try (ServerSocket busy = new ServerSocket(ports[1], 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
            Path config = SluiceHarness.writeConfig(dir, ports, "[]", "");
            Peer.Result r = SluiceProcess.run(null, "serve", "--config", config.toString());
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.output().strip()).endsWith("sluice: port " + ports[1] + " on 127.0.0.1 is already in use");
            assertThat(r.output()).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    @Test
    void badConfigReportsEveryErrorWithFileLineAndKey() throws Exception {
        Path config = dir.resolve("bad.toml");
        Files.writeString(config, """
                hostname = "mx.test"

                [limits]
                max_recipients = -3

                [[listeners]]
                port = 25
                mode = "smtp"
                """);
        Peer.Result r = SluiceProcess.run(null, "check-config", config.toString());
        assertThat(r.exit()).as(r.output()).isEqualTo(2);
        assertThat(r.output()).contains(config + ":4: limits.max_recipients").contains(config + ":8: listeners[0].mode")
                .doesNotContain("\tat ");
        Peer.Result serve = SluiceProcess.run(null, "serve", "--config", config.toString());
        assertThat(serve.exit()).isEqualTo(2);
    }

    @Test
    void checkConfigAcceptsAGoodFile() throws Exception {
        Path config = SluiceHarness.writeConfig(dir, ports(), "[\"127.0.0.0/8\"]",
                "[[shaping]]\nmatch = \"example.com\"\nmax_message_rate = \"10/s\"\n");
        Peer.Result r = SluiceProcess.run(null, "check-config", config.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("OK").contains("1 shaping rules of yours + 10 shipped");
    }
}
