package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import sluice.testkit.Dialog;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TestDnsServer;

/**
 * RFC 3461 5.2.1 and 5.2.2: a message relayed to a next hop that advertises DSN carries RET/ENVID and NOTIFY/ORCPT,
 * and the next hop, not Sluice, reports its success; to a next hop without DSN Sluice sends a "relayed" DSN,
 * and only when NOTIFY asked for SUCCESS.
 */
class RelayedDsnTest {

    /** Relays one message from alice (a local user, so a DSN lands in her Maildir) to bob@far.test. */
    private static void relay(boolean nextHopDsn, String notify, Check check) throws Exception {
        String[] ehlo = nextHopDsn ? new String[] {"PIPELINING", "8BITMIME", "DSN"} : new String[] {"PIPELINING", "8BITMIME"};
        try (TestDnsServer dns = TestDnsServer.start();
                FakeSmtpServer mx = FakeSmtpServer.start(b -> b.ehlo(ehlo))) {
            dns.mx("far.test", 10, "mx1.far.test").a("mx1.far.test", "127.0.0.1");
            try (SluiceHarness s = SluiceHarness.start("[\"127.0.0.0/8\"]", """
                    [delivery]
                    mx_port = %d
                    dns_servers = ["%s"]
                    retry_schedule = ["1h"]
                    """.formatted(mx.port(), dns.address()))) {
                try (Dialog d = new Dialog(s.mx)) {
                    d.expect();
                    d.ask("EHLO client.test");
                    assertThat(d.ask("MAIL FROM:<alice@example.test> RET=HDRS ENVID=env+2B1")).startsWith("250");
                    assertThat(d.ask("RCPT TO:<bob@far.test>" + (notify == null ? "" : " NOTIFY=" + notify)
                            + " ORCPT=rfc822;bob@far.test")).startsWith("250");
                    d.ask("DATA");
                    assertThat(d.ask("Subject: relayed\r\n\r\nhi\r\n.")).startsWith("250");
                }
                // A DSN is queued before the message leaves the queue: empty means any DSN is in the Maildir.
                s.awaitEmptyQueue(Duration.ofSeconds(20));
                assertThat(mx.messages()).hasSize(1);
                check.verify(mx.messages().get(0), dsns(s));
            }
        }
    }

    private interface Check {
        void verify(FakeSmtpServer.Received relayed, List<String> dsnsToAlice) throws Exception;
    }

    private static List<String> dsns(SluiceHarness s) throws Exception {
        Path dir = s.dataDir().resolve("mail").resolve("example.test").resolve("alice").resolve("new");
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().map(p -> {
                try {
                    return Files.readString(p);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }

    @Test
    void aDsnCapableNextHopGetsTheParametersAndNoRelayedDsnIsSent() throws Exception {
        relay(true, "SUCCESS,FAILURE", (relayed, dsns) -> {
            // C: MAIL FROM:<alice@example.test> ... RET=HDRS ENVID=env+2B1
            assertThat(relayed.mailParams()).contains("RET=HDRS").contains("ENVID=env+2B1");
            // C: RCPT TO:<bob@far.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@far.test
            assertThat(relayed.recipients()).extracting(FakeSmtpServer.Rcpt::params)
                    .containsExactly("NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@far.test");
            assertThat(dsns).isEmpty();
        });
    }

    @Test
    void withoutDsnAtTheNextHopNotifySuccessGetsARelayedDsn() throws Exception {
        relay(false, "SUCCESS,FAILURE", (relayed, dsns) -> {
            assertThat(relayed.mailParams()).doesNotContain("RET=").doesNotContain("ENVID=");
            assertThat(relayed.recipients()).extracting(FakeSmtpServer.Rcpt::params).containsExactly("");
            assertThat(dsns).hasSize(1);
            assertThat(dsns.get(0)).contains("Final-Recipient: rfc822; bob@far.test").contains("Action: relayed")
                    .contains("Original-Envelope-Id: env+2B1").contains("Remote-MTA: dns; mx1.far.test");
        });
    }

    @Test
    void withoutDsnAtTheNextHopNoSuccessAskedNoDsn() throws Exception {
        for (String notify : new String[] {null, "FAILURE,DELAY", "NEVER"}) {
            relay(false, notify, (relayed, dsns) -> assertThat(dsns).as("NOTIFY=%s", notify).isEmpty());
        }
    }
}
