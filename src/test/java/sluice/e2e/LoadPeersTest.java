package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;

/** Postfix's smtp-source as a load client, and openssl s_client for the TLS versions offered. */
class LoadPeersTest {

    @Test
    void smtpSourceLoadIsFullyQueued() throws Exception {
        assumeTrue(Peer.available("smtp-source"), "smtp-source (package postfix) is installed by .ci/run");
        try (SluiceHarness sluice = SluiceHarness.start()) {
            Peer.Result r = Peer.run(List.of("smtp-source", "-s", "20", "-m", "2000", "-l", "4096", "-f", "load@far.test",
                    "-t", "bob@example.test", "127.0.0.1:" + sluice.mx), null, 120);
            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(sluice.queue()).hasSize(2000);
            // pipelined mode (-d reuses connections)
            r = Peer.run(List.of("smtp-source", "-d", "-s", "5", "-m", "500", "-l", "1024", "-f", "load@far.test",
                    "-t", "bob@example.test", "127.0.0.1:" + sluice.mx), null, 120);
            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(sluice.queue()).hasSize(2500);
        }
    }

    @Test
    void opensslSeesTls12And13OnlyOnStartTlsAndImplicitPorts() throws Exception {
        try (SluiceHarness sluice = SluiceHarness.start()) {
            String sub = "127.0.0.1:" + sluice.submission;
            String subs = "127.0.0.1:" + sluice.submissions;
            assertThat(sClient(List.of("-connect", sub, "-starttls", "smtp", "-tls1_2"))).contains("Protocol version: TLSv1.2")
                    .containsPattern("Ciphersuite: ECDHE-(RSA|ECDSA)-(AES\\d+-GCM-SHA\\d+|CHACHA20-POLY1305)");
            assertThat(sClient(List.of("-connect", sub, "-starttls", "smtp", "-tls1_3"))).contains("Protocol version: TLSv1.3");
            assertThat(sClient(List.of("-connect", subs, "-tls1_3"))).contains("Protocol version: TLSv1.3");
            for (String old : List.of("-tls1_1", "-tls1")) {
                Peer.Result r = Peer.run(List.of("openssl", "s_client", "-connect", sub, "-starttls", "smtp", old), "QUIT\r\n", 30);
                assertThat(r.output()).doesNotContain("CONNECTION ESTABLISHED").containsPattern("(?i)alert|error|no protocols");
            }
        }
    }

    private static String sClient(List<String> args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl", "s_client"));
        cmd.addAll(args);
        cmd.add("-brief");
        Peer.Result r = Peer.run(cmd, "QUIT\r\n", 30);
        return r.output();
    }
}
