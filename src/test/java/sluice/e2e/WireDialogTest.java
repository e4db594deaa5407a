package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sluice.testkit.Dialog;
import sluice.testkit.SluiceHarness;

/** Dialogs over a real socket: open-relay attempts, SMTP smuggling, STARTTLS injection, limits. */
class WireDialogTest {
    static SluiceHarness sluice;

    @BeforeAll
    static void start() throws Exception {
        sluice = SluiceHarness.start();
    }

    @AfterAll
    static void stop() {
        sluice.close();
    }

    private Dialog mx() throws Exception {
        Dialog d = new Dialog(sluice.mx);
        assertThat(d.expect()).startsWith("220 mx.sluice.test");
        assertThat(d.ask("EHLO client.test")).startsWith("250 ");
        return d;
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "<victim@elsewhere.test>",
        "<victim%elsewhere.test@example.test>",
        "<elsewhere.test!victim@example.test>",
        "<\"victim@elsewhere.test\"@example.test>",
        "<@example.test:victim@elsewhere.test>",
        "<victim@[127.0.0.1]>",
        "<victim@[IPv6:::1]>",
        "<victim@example.test.elsewhere.test>",
    })
    void mxIsNoOpenRelay(String rcpt) throws Exception {
        try (Dialog d = mx()) {
            assertThat(d.ask("MAIL FROM:<x@far.test>")).startsWith("250 2.1.0");
            assertThat(d.ask("RCPT TO:" + rcpt)).startsWith("554 5.7.1");
        }
    }

    @Test
    void localRecipientsAndPostmasterAreAccepted() throws Exception {
        try (Dialog d = mx()) {
            d.ask("MAIL FROM:<>");
            assertThat(d.ask("RCPT TO:<bob@EXAMPLE.test>")).startsWith("250 2.1.5");
            assertThat(d.ask("RCPT TO:<Postmaster>")).startsWith("250 2.1.5");
            assertThat(d.ask("RCPT TO:<postmaster@strict.test>")).startsWith("250 2.1.5");
            assertThat(d.ask("RCPT TO:<alice@strict.test>")).startsWith("250 2.1.5"); // an alias
        }
    }

    @Test
    void unknownLocalRecipientsAreRefusedAtRcptNotBouncedLater() throws Exception {
        try (Dialog d = mx()) {
            d.ask("MAIL FROM:<x@far.test>");
            assertThat(d.ask("RCPT TO:<nobody@strict.test>")).isEqualTo("550 5.1.1 Recipient address rejected: User unknown");
            assertThat(d.ask("RCPT TO:<nobody@example.test>")).startsWith("250 2.1.5"); // caught by the catch-all
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\r.\r", "\n.\r\n", "\r.\n", "\r\n.\n", "\r\n.\r", "\n.\r"})
    void smugglingVariantsNeverSplitATransaction(String fakeEnd) throws Exception {
        int before = sluice.queue().size();
        try (Dialog d = mx()) {
            d.ask("MAIL FROM:<x@far.test>");
            d.ask("RCPT TO:<bob@example.test>");
            assertThat(d.ask("DATA")).startsWith("354");
            d.raw("Subject: first\r\n\r\nbody" + fakeEnd
                    + "MAIL FROM:<admin@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n");
            assertThat(d.expect()).startsWith("550 5.6.0");
            assertThat(d.ask("NOOP")).startsWith("250 2.0.0");
        }
        assertThat(sluice.queue()).hasSize(before);
    }

    @Test
    void bareLineFeedInCommandIsRefused() throws Exception {
        try (Dialog d = mx()) {
            d.raw("NOOP\n");
            assertThat(d.expect()).startsWith("500 5.5.2");
        }
    }

    @Test
    void overlongCommandLineIsRefused() throws Exception {
        try (Dialog d = mx()) {
            assertThat(d.ask("NOOP " + "x".repeat(600))).startsWith("500 5.5.6");
            assertThat(d.ask("NOOP")).startsWith("250");
        }
    }

    @Test
    void plaintextPipelinedAfterStartTlsIsDiscarded() throws Exception {
        try (Dialog d = new Dialog(sluice.submission)) {
            d.expect();
            sendEhlo(d);
            // CVE-2011-0411: commands injected in plaintext after STARTTLS must not run inside the TLS session
            d.raw("STARTTLS\r\nEHLO injected.test\r\nMAIL FROM:<injected@example.test>\r\n");
            assertThat(d.expect()).startsWith("220 2.0.0");
            d.upgrade();
            // had the injected lines run, their replies would come first
            assertThat(d.ask("NOOP")).startsWith("250 2.0.0");
            // and the session was reset: EHLO is needed again
            assertThat(d.ask("MAIL FROM:<alice@example.test>")).startsWith("503 5.5.1");
        }
    }

    @Test
    void submissionRules() throws Exception {
        try (Dialog d = new Dialog(sluice.submission)) {
            d.expect();
            List<String> ehlo = sendEhlo(d);
            assertThat(ehlo).anyMatch(l -> l.contains("STARTTLS")).noneMatch(l -> l.contains("AUTH"));
            assertThat(d.ask("AUTH PLAIN AGFsaWNlAHNlY3JldA==")).isEqualTo("530 5.7.0 Must issue a STARTTLS command first");
            assertThat(d.ask("MAIL FROM:<alice@example.test>")).isEqualTo("530 5.7.0 Must issue a STARTTLS command first");
            assertThat(d.ask("STARTTLS")).startsWith("220");
            d.upgrade();
            assertThat(sendEhlo(d)).anyMatch(l -> l.contains("AUTH PLAIN LOGIN")).noneMatch(l -> l.contains("STARTTLS"));
            assertThat(d.ask("MAIL FROM:<alice@example.test>")).isEqualTo("530 5.7.0 Authentication required");
            d.login(SluiceHarness.USER, SluiceHarness.PASSWORD);
            assertThat(d.ask("MAIL FROM:<mallory@other.test>")).startsWith("550 5.7.1");
            assertThat(d.ask("MAIL FROM:<anyone@example.test>")).startsWith("250 2.1.0");
            assertThat(d.ask("RCPT TO:<someone@far-away.test>")).startsWith("250 2.1.5");
        }
    }

    @Test
    void sizeIsAnnouncedAndEnforced() throws Exception {
        try (Dialog d = new Dialog(sluice.mx)) {
            d.expect();
            assertThat(sendEhlo(d)).contains("250-SIZE " + sluice.config().limits().maxMessageSize());
            assertThat(d.ask("MAIL FROM:<x@far.test> SIZE=" + (sluice.config().limits().maxMessageSize() + 1)))
                    .startsWith("552 5.3.4");
        }
    }

    @Test
    void bdatChunksAreAccepted() throws Exception {
        int before = sluice.queue().size();
        try (Dialog d = mx()) {
            d.ask("MAIL FROM:<x@far.test>");
            d.ask("RCPT TO:<bob@example.test>");
            String part1 = "Subject: chunked\r\n\r\nfirst ";
            String part2 = "second\r\n";
            d.raw("BDAT " + part1.length() + "\r\n" + part1);
            assertThat(d.expect()).startsWith("250 2.0.0");
            d.raw("BDAT " + part2.length() + " LAST\r\n" + part2);
            assertThat(d.expect()).startsWith("250 2.0.0 OK: queued as");
        }
        var queue = sluice.queue();
        assertThat(queue).hasSize(before + 1);
        assertThat(new String(sluice.spool().readData(queue.get(queue.size() - 1).id()).orElseThrow()))
                .endsWith("\r\n\r\nfirst second\r\n");
    }

    @Test
    void tenErrorsCloseTheSession() throws Exception {
        try (Dialog d = mx()) {
            String last = "";
            for (int i = 0; i < 10; i++) last = d.ask("BOGUS");
            assertThat(last).startsWith("421 4.7.0");
            assertThat(d.closedByPeer()).isTrue();
        }
    }

    private static List<String> sendEhlo(Dialog d) throws Exception {
        d.send("EHLO client.test");
        return d.reply();
    }
}
