package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.Dialog;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.FreePorts;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;
import sluice.testkit.TestDnsServer;

/** `sluice drain` against `sluice serve`, both as processes: the server drains and exits 0, and so does the CLI. */
class DrainCliTest {
    @TempDir
    Path dir;

    private static void send(int port, String mid) throws Exception {
        try (Dialog d = new Dialog(port)) {
            d.expect();
            d.ask("EHLO client.test");
            d.ask("MAIL FROM:<alice@example.test>");
            assertThat(d.ask("RCPT TO:<bob@far.test>")).startsWith("250");
            d.ask("DATA");
            assertThat(d.ask("Subject: x\r\nMessage-ID: " + mid + "\r\n\r\nx\r\n.")).startsWith("250");
        }
    }

    @Test
    void drainWithTheMxDownEndsAtTheTimeoutAndBothProcessesExitZero() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.mx("far.test", 10, "mx1.far.test").a("mx1.far.test", "127.0.0.1");
            int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
            Path config = SluiceHarness.writeConfig(dir, ports, "[\"127.0.0.0/8\"]", """
                    [delivery]
                    mx_port = %d
                    dns_servers = ["%s"]
                    connect_timeout = "2s"
                    retry_schedule = ["1h"]
                    """.formatted(FakeSmtpServer.closedAddress().getPort(), dns.address()));
            try (SluiceProcess serve = SluiceProcess.start("serve", "--config", config.toString())) {
                assertThat(serve.awaitReady(60)).as(serve.output()).isTrue();
                send(ports[0], "<cli1@example.test>");
                send(ports[0], "<cli2@example.test>");

                SluiceProcess.Outcome drain = SluiceProcess.runApart(null, "drain", "--timeout", "3s", "--config", config.toString());
                assertThat(drain.exit()).as(drain.stdout() + drain.stderr()).isZero();
                assertThat(drain.stdout()).contains("drain started on http://127.0.0.1:" + ports[4])
                        .containsPattern("(?m)^draining: 2 queued, 0 delivered, timeout in \\d+s$")
                        .contains("drained and stopped (timeout): 0 message(s) delivered; 2 message(s) left on the spool in "
                                + dir.resolve("data").resolve("spool"));
                assertThat(serve.process().waitFor(30, TimeUnit.SECONDS)).as(serve.output()).isTrue();
                assertThat(serve.process().exitValue()).as(serve.output()).isZero();
                assertThat(serve.output()).contains("drain started: listeners closed, 2 message(s) queued")
                        .contains("sluice: drained (timeout): 0 message(s) delivered, 2 left queued in")
                        .contains("sluice: stopped");
            }
            // nothing runs now: one line, exit 1
            SluiceProcess.Outcome none = SluiceProcess.runApart(null, "drain", "--config", config.toString());
            assertThat(none.exit()).isEqualTo(1);
            assertThat(none.stderr().strip()).startsWith("sluice: no server is running").doesNotContain("\n");
        }
    }

    @Test
    void drainWithoutAServerEverStartedSaysSo() throws Exception {
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Path config = SluiceHarness.writeConfig(dir, ports, "[]", "");
        SluiceProcess.Outcome r = SluiceProcess.runApart(null, "drain", "--config", config.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.stderr().strip()).startsWith("sluice: no server is running: nothing to drain").doesNotContain("\n");
        SluiceProcess.Outcome help = SluiceProcess.runApart(null, "drain", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.stdout()).contains("--timeout=DUR", "--handover=HOST:PORT", "--handover-now", "--no-wait");
        SluiceProcess.Outcome typo = SluiceProcess.runApart(null, "drain", "--handover-now", "--config", config.toString());
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.stderr()).contains("--handover-now needs --handover");
    }
}
