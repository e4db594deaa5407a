package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import sluice.dns.TxtAnswer;
import sluice.mailauth.DkimKeys;
import sluice.mailauth.DkimResult;
import sluice.mailauth.DkimVerifier;
import sluice.spool.QueuedMessage;
import sluice.testkit.Dialog;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TestDnsServer;
import sluice.testkit.TempDirs;

/** DKIM signing at ingest, SPF/DKIM/DMARC checks on the mx listener, and suppression at RCPT, through a real node. */
class MailAuthTest {
    private static String submit(SluiceHarness s, String from, String to, String message) throws Exception {
        try (Dialog d = Dialog.startTls(s.submission)) {
            d.login(SluiceHarness.USER, SluiceHarness.PASSWORD);
            d.ask("MAIL FROM:<" + from + ">");
            String rcpt = d.ask("RCPT TO:<" + to + ">");
            if (!rcpt.startsWith("250")) return rcpt;
            d.ask("DATA");
            return d.ask(message.replace("\n", "\r\n") + "\r\n.");
        }
    }

    /** The reply to RCPT TO in an authenticated session; nothing is queued. */
    private static String rcpt(SluiceHarness s, String from, String to) throws Exception {
        try (Dialog d = Dialog.startTls(s.submission)) {
            d.login(SluiceHarness.USER, SluiceHarness.PASSWORD);
            d.ask("MAIL FROM:<" + from + ">");
            String reply = d.ask("RCPT TO:<" + to + ">");
            d.ask("QUIT");
            return reply;
        }
    }

    private static String mx(SluiceHarness s, String from, String message) throws Exception {
        try (Dialog d = new Dialog(s.mx)) {
            d.expect();
            d.ask("EHLO mail.sender.test");
            d.ask("MAIL FROM:<" + from + ">");
            d.ask("RCPT TO:<bob@example.test>");
            d.ask("DATA");
            return d.ask(message.replace("\n", "\r\n") + "\r\n.");
        }
    }

    private static byte[] data(SluiceHarness s, String reply) throws Exception {
        String id = reply.substring(reply.lastIndexOf(' ') + 1);
        return s.spool().readData(id).orElseThrow();
    }

    @Test
    void submittedMailIsSignedOnceAtIngestAndVerifies() throws Exception {
        Path dir = TempDirs.dir("sluice-dkim");
        KeyPair pair = DkimKeys.generate("ed25519");
        Path key = dir.resolve("example.test.s1.key");
        DkimKeys.writePem(pair.getPrivate(), key);
        try (SluiceHarness s = SluiceHarness.start("[]", """
                [[dkim]]
                domain = "example.test"
                selector = "s1"
                key_file = "%s"
                """.formatted(key))) {
            String reply = submit(s, "alice@example.test", "bob@far.test",
                    "From: Alice <alice@example.test>\nTo: bob@far.test\nSubject: signed\n\nHello\n");
            assertThat(reply).startsWith("250");
            byte[] stored = data(s, reply);
            assertThat(new String(stored, StandardCharsets.UTF_8)).startsWith("DKIM-Signature:").contains("d=example.test")
                    .contains("s=s1");
            String record = DkimKeys.txtRecord(pair.getPublic());
            DkimVerifier verifier = new DkimVerifier(name -> name.equals("s1._domainkey.example.test")
                    ? new TxtAnswer.Records(List.of(record)) : new TxtAnswer.NoSuchDomain("none"), Clock.systemUTC());
            assertThat(verifier.verify(stored)).extracting(DkimResult::result).containsExactly(DkimResult.Result.PASS);
        }
    }

    @Test
    void mxMailGetsAuthenticationResultsAndDmarcRejectIsEnforced() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.txt("good.test", "v=spf1 ip4:127.0.0.1 -all").txt("_dmarc.good.test", "v=DMARC1; p=reject")
                    .txt("evil.test", "v=spf1 ip4:192.0.2.1 -all").txt("_dmarc.evil.test", "v=DMARC1; p=reject");
            try (SluiceHarness s = SluiceHarness.start("[]", """
                    [delivery]
                    paused = true
                    dns_servers = ["%s"]
                    [mailauth]
                    verify = true
                    """.formatted(dns.address()))) {
                String ok = mx(s, "news@good.test", "Authentication-Results: mx.sluice.test; dmarc=pass (forged)\n"
                        + "From: news@good.test\nSubject: hi\n\nx\n");
                assertThat(ok).startsWith("250");
                String stored = new String(data(s, ok), StandardCharsets.UTF_8);
                assertThat(stored).startsWith("Authentication-Results: mx.sluice.test;").contains("spf=pass")
                        .contains("smtp.mailfrom=good.test").contains("dkim=none").contains("dmarc=pass")
                        .doesNotContain("(forged)");

                String refused = mx(s, "ceo@evil.test", "From: ceo@evil.test\nSubject: wire money\n\nx\n");
                assertThat(refused).startsWith("550 5.7.1").contains("DMARC").contains("evil.test");
                // The author domain comes from the address parser submission uses: a "<…>" inside a comment, or a
                // second From address, does not make DMARC evaluate good.test (whose SPF passes) instead of evil.test.
                for (String from : List.of("ceo@evil.test (<news@good.test>)", "ceo@evil.test, news@good.test")) {
                    String hidden = mx(s, "news@good.test", "From: " + from + "\nSubject: wire money\n\nx\n");
                    assertThat(hidden).as(from).startsWith("550 5.7.1").contains("DMARC policy of evil.test");
                }
                String many = mx(s, "news@good.test", "From: a@d1.test, b@d2.test, c@d3.test, d@d4.test, e@d5.test, ceo@evil.test\n\nx\n");
                assertThat(many).startsWith("550 5.7.1").contains("more than 5 domains");
                assertThat(s.queue()).hasSize(1);
            }
        }
    }

    @Test
    void suppressedRecipientsAreRefusedAtRcptForTheirSendingDomain() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", "")) {
            s.suppressions().add("example.test", "gone@far.test", "hard bounce 550 5.1.1 from mx.far.test");
            assertThat(rcpt(s, "alice@example.test", "gone@far.test")).startsWith("550"); // at once: no reload interval
            String r = submit(s, "alice@example.test", "gone@far.test", "Subject: x\n\nx\n");
            assertThat(r).startsWith("550 5.7.1 Recipient address suppressed: hard bounce 550 5.1.1");
            assertThat(submit(s, "alice@example.test", "other@far.test", "Subject: x\n\nx\n")).startsWith("250");
            List<QueuedMessage> q = s.queue();
            assertThat(q).hasSize(1);
        }
    }

    @Test
    void inDropModeASuppressedRecipientIsAcceptedLoggedAndNotSent() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start();
             SluiceHarness s = SluiceHarness.start("[]", """
                     [delivery]
                     dns_servers = ["%s"]
                     [mailauth]
                     verify = false
                     suppression = "drop"
                     """.formatted(dns.address()))) {
            s.suppressions().add("*", "gone@far.test", "hard bounce 550 5.1.1"); // answered once stored: in force at once
            assertThat(submit(s, "alice@example.test", "gone@far.test", "Subject: x\n\nx\n")).startsWith("250");
            s.awaitEmptyQueue(java.time.Duration.ofSeconds(20));
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Files.readString(s.deliveryLog()))
                    .contains("\"event\":\"suppressed\"").contains("Suppressed: hard bounce 550 5.1.1"));
            assertThat(dns.queries("far.test")).isZero(); // never looked up, never sent
        }
    }
}
