package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.FreePorts;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;

/**
 * Client-initiated TLS 1.2 renegotiation is refused on every TLS listener, implicit and STARTTLS, by the
 * product as started ({@code sluice serve}, a process of its own, so the JSSE switch is set where main sets
 * it), with openssl s_client as the peer: its "R" command renegotiates.
 */
class TlsRenegotiationTest {
    @TempDir
    static Path dir;
    private static SluiceProcess sluice;
    private static int[] ports;

    @BeforeAll
    static void start() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Peer.available("openssl"), "openssl is not installed");
        ports = new int[] {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Files.createDirectories(dir);
        Path config = SluiceHarness.writeConfig(dir, ports, "[]", "");
        sluice = SluiceProcess.start("serve", "--config", config.toString());
        assertThat(sluice.awaitReady(60)).as(sluice.output()).isTrue();
    }

    @AfterAll
    static void stop() throws Exception {
        if (sluice != null) sluice.close();
    }

    @Test
    void implicitTlsRefusesRenegotiation() throws Exception {
        try (SClient c = SClient.start("-connect", "127.0.0.1:" + ports[2])) {
            c.awaitOutput("220 mx.sluice.test");
            c.send("R");
            c.awaitOutput("RENEGOTIATING");
            c.awaitOutput("alert handshake failure");
            assertThat(c.awaitExit()).as(c.output()).isTrue();
            assertThat(c.output()).doesNotContain("250 ");
        }
    }

    @Test
    void startTlsRefusesRenegotiation() throws Exception {
        try (SClient c = SClient.start("-starttls", "smtp", "-connect", "127.0.0.1:" + ports[0])) {
            c.awaitOutput("Verify return code");
            c.send("R");
            c.awaitOutput("RENEGOTIATING");
            c.awaitOutput("alert handshake failure");
            assertThat(c.awaitExit()).as(c.output()).isTrue();
            assertThat(c.output()).doesNotContain("250 2.0.0");
        }
    }

    @Test
    void aSessionWithoutRenegotiationWorks() throws Exception {
        for (List<String> how : List.of(List.of("-connect", "127.0.0.1:" + ports[2]),
                List.of("-starttls", "smtp", "-connect", "127.0.0.1:" + ports[0]))) {
            try (SClient c = SClient.start(how.toArray(String[]::new))) {
                c.awaitOutput("Verify return code");
                c.send("EHLO c.test");
                c.awaitOutput("250 HELP");
                c.send("NOOP");
                c.awaitOutput("250 2.0.0 OK");
                assertThat(c.output()).contains("Protocol  : TLSv1.2").doesNotContain("alert");
            }
        }
    }

    /** openssl s_client with TLS 1.2, its stdin kept open (EOF would end the session), output collected. */
    private static final class SClient implements AutoCloseable {
        private final Process process;
        private final StringBuffer output = new StringBuffer();
        private final OutputStream stdin;

        private SClient(Process process) {
            this.process = process;
            this.stdin = process.getOutputStream();
            Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[4096];
                try (var in = process.getInputStream()) {
                    for (int n; (n = in.read(buf)) > 0; ) output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // the process ended
                }
            });
        }

        static SClient start(String... args) throws IOException {
            // no -quiet/-ign_eof: both turn off the command letters ("R" renegotiates)
            List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-tls1_2", "-crlf"));
            cmd.addAll(List.of(args));
            return new SClient(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        }

        void send(String line) throws IOException {
            stdin.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
        }

        void awaitOutput(String text) {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                    .untilAsserted(() -> assertThat(output()).contains(text));
        }

        boolean awaitExit() throws InterruptedException {
            return process.waitFor(20, TimeUnit.SECONDS);
        }

        String output() {
            return output.toString();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}
