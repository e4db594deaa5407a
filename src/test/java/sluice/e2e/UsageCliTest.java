package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.FreePorts;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;

/** What a new user meets first: help, typos, a busy port, a missing certificate. Exit code and the one stderr line. */
class UsageCliTest {
    @TempDir
    Path dir;

    private static int[] ports() {
        return new int[] {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
    }

    @Test
    void mistypedSubcommandSuggestsTheNearestOne() throws Exception {
        SluiceProcess.Outcome r = SluiceProcess.runApart(null, "queue", "lst");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.stderr()).isEqualTo("sluice: queue: unknown command 'lst'; did you mean 'list'?\n");
        SluiceProcess.Outcome top = SluiceProcess.runApart(null, "quue", "list");
        assertThat(top.exit()).isEqualTo(2);
        assertThat(top.stderr()).isEqualTo("sluice: unknown command 'quue'; did you mean 'queue'?\n");
        SluiceProcess.Outcome option = SluiceProcess.runApart(null, "queue", "list", "--jsn");
        assertThat(option.exit()).isEqualTo(2);
        assertThat(option.stderr()).isEqualTo("sluice: unknown option '--jsn'; did you mean '--json'?\n");
    }

    @Test
    void helpCommandAndHelpOptionExitZero() throws Exception {
        SluiceProcess.Outcome help = SluiceProcess.runApart(null, "help", "serve");
        assertThat(help.exit()).isZero();
        assertThat(help.stdout()).startsWith("Usage: sluice serve");
        SluiceProcess.Outcome check = SluiceProcess.runApart(null, "check", "--help");
        assertThat(check.exit()).isZero();
        assertThat(check.stdout()).startsWith("Usage: sluice check").doesNotContain("SLUICE UNKNOWN");
    }

    @Test
    void adminPortInUseIsOneLineAndCreatesNothing() throws Exception {
        int[] ports = ports();
        try (ServerSocket busy = new ServerSocket(ports[4], 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
            Path config = SluiceHarness.writeConfig(dir, ports, "[]", "");
            SluiceProcess.Outcome r = SluiceProcess.runApart(null, "serve", "--config", config.toString());
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.stderr()).isEqualTo("sluice: admin: port " + ports[4] + " on 127.0.0.1 is already in use\n");
            assertThat(dir.resolve("data")).as("nothing created before the ports were checked").doesNotExist();
        }
    }

    @Test
    void listenerPortInUseCreatesNothing() throws Exception {
        int[] ports = ports();
        try (ServerSocket busy = new ServerSocket(ports[2], 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
            Path config = SluiceHarness.writeConfig(dir, ports, "[]", "");
            SluiceProcess.Outcome r = SluiceProcess.runApart(null, "serve", "--config", config.toString());
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.stderr()).isEqualTo("sluice: port " + ports[2] + " on 127.0.0.1 is already in use\n");
            assertThat(dir.resolve("data")).doesNotExist();
        }
    }

    @Test
    void checkConfigRefusesMissingCertificateFiles() throws Exception {
        Path config = dir.resolve("tls.toml");
        Files.writeString(config, """
                hostname = "mx.test"
                data_dir = "%s"

                [tls]
                cert_file = "%s"
                key_file = "%s"
                """.formatted(dir.resolve("data"), dir.resolve("nope.crt"), dir.resolve("nope.key")));
        SluiceProcess.Outcome r = SluiceProcess.runApart(null, "check-config", config.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.stderr()).isEqualTo(config + ":5: tls.cert_file: file not found: " + dir.resolve("nope.crt") + "\n"
                + config + ":6: tls.key_file: file not found: " + dir.resolve("nope.key") + "\n");
        SluiceProcess.Outcome serve = SluiceProcess.runApart(null, "serve", "--config", config.toString());
        assertThat(serve.exit()).isEqualTo(2);
        assertThat(serve.stderr()).isEqualTo(r.stderr());
        assertThat(dir.resolve("data")).doesNotExist();
    }
}
