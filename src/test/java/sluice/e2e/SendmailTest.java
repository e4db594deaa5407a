package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.spool.QueuedMessage;
import sluice.spool.Spool;
import sluice.testkit.FreePorts;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;

/** `sluice sendmail` with and without a running server, as scripts and cron jobs call it. */
class SendmailTest {
    @TempDir
    Path dir;

    private static final String MESSAGE = """
            To: Bob <bob@example.test>
            Bcc: secret@far.test
            Subject: from a script

            line one
            .
            never read
            """;

    @Test
    void withoutAServerTheXSluicePoolHeaderChoosesThePoolAndIsRemovedAndAnUnknownPoolIsRefused() throws Exception {
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Path config = SluiceHarness.writeConfig(dir, ports, "[]", """
                [[egress.sources]]
                name = "ip1"
                address = "127.0.0.2"
                ehlo = "out1.example.test"
                [[egress.pools]]
                name = "bulk"
                sources = ["ip1"]
                """);
        SluiceProcess.Outcome ok = SluiceProcess.runApart("X-Sluice-Pool: bulk\n" + MESSAGE, "sendmail", "-t", "-f",
                "cron@example.test", "--config", config.toString());
        assertThat(ok.exit()).as(ok.stderr()).isZero();
        SluiceProcess.Outcome typo = SluiceProcess.runApart("X-Sluice-Pool: blk\n" + MESSAGE, "sendmail", "-t", "-f",
                "cron@example.test", "--config", config.toString());
        assertThat(typo.exit()).isEqualTo(1);
        assertThat(typo.stderr()).contains("Unknown egress pool \"blk\" in X-Sluice-Pool");
        try (Spool spool = Spool.open(dir.resolve("data/spool"), 0)) {
            List<QueuedMessage> q = spool.list();
            assertThat(q).hasSize(1);
            assertThat(q.getFirst().envelope().pool()).isEqualTo("bulk");
            String data = new String(spool.readData(q.getFirst().id()).orElseThrow(), StandardCharsets.UTF_8);
            assertThat(data).doesNotContainIgnoringCase("X-Sluice-Pool").contains("Subject: from a script");
        }
    }

    @Test
    void withoutAServerTheMessageGoesStraightIntoTheSpool() throws Exception {
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Path config = SluiceHarness.writeConfig(dir, ports, "[]", "");
        SluiceProcess.Outcome quiet = SluiceProcess.runApart(MESSAGE, "sendmail", "-t", "-f", "cron@example.test", "--config",
                config.toString());
        assertThat(quiet.exit()).as(quiet.stderr()).isZero();
        assertThat(quiet.stdout() + quiet.stderr()).as("sendmail is silent on success").isEmpty();
        Peer.Result r = SluiceProcess.run(MESSAGE, "sendmail", "-v", "-t", "-f", "cron@example.test", "--config", config.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("queued as").contains("no server running");
        SluiceProcess.Outcome none = SluiceProcess.runApart("Subject: x\n\nx\n", "sendmail", "-t", "--config", config.toString());
        assertThat(none.exit()).isEqualTo(2); // a usage error, as every command (Postfix: EX_USAGE, 64)
        assertThat(none.stderr()).isEqualTo("sluice: sendmail: no recipients: the message has no To, Cc or Bcc field\n");
        try (Spool spool = Spool.open(dir.resolve("data/spool"), 0)) {
            List<QueuedMessage> q = spool.list();
            assertThat(q).hasSize(2).first().satisfies(m -> { // the quiet run and the -v run
                assertThat(m.envelope().sender()).isEqualTo("cron@example.test");
                assertThat(m.envelope().recipients()).extracting(x -> x.address())
                        .containsExactly("bob@example.test", "secret@far.test");
            });
            String data = new String(spool.readData(q.get(0).id()).orElseThrow(), StandardCharsets.UTF_8);
            assertThat(data).contains("Subject: from a script\r\n").contains("Message-ID: <").contains("Date: ")
                    .contains("From: <cron@example.test>").doesNotContain("Bcc").doesNotContain("secret@far.test")
                    .contains("line one\r\n").doesNotContain("never read");
        }
    }

    /** -oi (mutt, unattended-upgrades) is -i: a lone "." line is part of the message, as the cron line's -i. */
    @Test
    void withoutAServerDashOiKeepsALoneDotLine() throws Exception {
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Path config = SluiceHarness.writeConfig(dir, ports, "[]", "");
        SluiceProcess.Outcome r = SluiceProcess.runApart("Subject: dots\n\nbefore\n.\nafter\n", "sendmail", "-oem", "-oi",
                "--config", config.toString(), "--", "bob@example.test");
        assertThat(r.exit()).as(r.stderr()).isZero();
        try (Spool spool = Spool.open(dir.resolve("data/spool"), 0)) {
            List<QueuedMessage> q = spool.list();
            assertThat(q).hasSize(1);
            String data = new String(spool.readData(q.getFirst().id()).orElseThrow(), StandardCharsets.UTF_8);
            assertThat(data).contains("before\r\n").contains("after\r\n"); // without -oi the message would end at the dot
        }
    }

    @Test
    void withoutAServerTheMessageIsSignedAsTheServerWouldSignIt() throws Exception {
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Peer.Result key = SluiceProcess.run(null, "dkim", "keygen", "example.test", "--selector", "s1", "--algorithm", "ed25519",
                "--data-dir", dir.resolve("data").toString());
        assertThat(key.exit()).as(key.output()).isZero();
        Path config = SluiceHarness.writeConfig(dir, ports, "[]", "[[dkim]]\ndomain = \"example.test\"\nselector = \"s1\"\n"
                + "key_file = \"" + dir.resolve("data/dkim/example.test.s1.key") + "\"\n");
        SluiceProcess.Outcome own = SluiceProcess.runApart("From: Cron <cron@example.test>\nTo: bob@far.test\nSubject: s\n\nx\n",
                "sendmail", "-t", "-f", "cron@example.test", "--config", config.toString());
        assertThat(own.exit()).as(own.stderr()).isZero();
        SluiceProcess.Outcome other = SluiceProcess.runApart("From: someone@elsewhere.test\nTo: bob@far.test\nSubject: s\n\nx\n",
                "sendmail", "-t", "--config", config.toString());
        assertThat(other.exit()).as(other.stderr()).isZero();
        try (Spool spool = Spool.open(dir.resolve("data/spool"), 0)) {
            List<QueuedMessage> q = spool.list();
            assertThat(q).hasSize(2);
            String signed = new String(spool.readData(q.get(0).id()).orElseThrow(), StandardCharsets.UTF_8);
            assertThat(signed).startsWith("DKIM-Signature:").contains("d=example.test").contains("s=s1");
            String unsigned = new String(spool.readData(q.get(1).id()).orElseThrow(), StandardCharsets.UTF_8);
            assertThat(unsigned).doesNotContain("DKIM-Signature");
        }
    }

    @Test
    void withAServerRunningItIsHandedOverSmtp() throws Exception {
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Path config = SluiceHarness.writeConfig(dir, ports, "[\"127.0.0.0/8\"]", "");
        try (SluiceProcess p = SluiceProcess.start("serve", "--config", config.toString())) {
            assertThat(p.awaitReady(60)).as(p.output()).isTrue();
            SluiceProcess.Outcome r = SluiceProcess.runApart("Subject: via smtp\n\nhello\n", "sendmail", "-i", "-f",
                    "cron@example.test", "bob@example.test", "--config", config.toString());
            assertThat(r.exit()).as(r.stderr()).isZero();
            assertThat(r.stdout() + r.stderr()).as("sendmail is silent on success").isEmpty();
            // Partial failure: one line saying who got it and who did not (nobody@strict.test is no local user).
            SluiceProcess.Outcome partial = SluiceProcess.runApart("Subject: partly\n\nhello\n", "sendmail", "-f",
                    "cron@example.test", "bob@example.test", "nobody@strict.test", "--config", config.toString());
            assertThat(partial.exit()).isEqualTo(1);
            assertThat(partial.stderr()).startsWith("sendmail: queued for bob@example.test; refused: nobody@strict.test (550")
                    .endsWith(")\n").hasLineCount(1);
            Peer.Result list = SluiceProcess.run(null, "queue", "list", "--json", "--config", config.toString());
            assertThat(list.output()).contains("cron@example.test").contains("bob@example.test");
            Peer.Result none = SluiceProcess.run("Subject: x\n\nx\n", "sendmail", "--config", config.toString());
            assertThat(none.exit()).isEqualTo(2); // a usage error, as every command (Postfix: EX_USAGE, 64)
            assertThat(none.output()).contains("no recipients");
            assertThat(p.terminate(40)).isZero();
        }
    }
}
