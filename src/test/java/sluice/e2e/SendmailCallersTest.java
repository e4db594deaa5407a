package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import sluice.testkit.FreePorts;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;

/**
 * `sluice sendmail` as /usr/sbin/sendmail: the command lines real programs pass, against a running node, each
 * message then looked up in the queue (envelope sender, recipients, the From header added when missing).
 */
class SendmailCallersTest {
    @TempDir
    static Path dir;
    static Path config;
    static SluiceProcess server;
    static final String USER = System.getProperty("user.name");

    @BeforeAll
    static void startNode() throws Exception {
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        config = SluiceHarness.writeConfig(dir, ports, "[\"127.0.0.0/8\"]", "");
        server = SluiceProcess.start("serve", "--config", config.toString());
        assertThat(server.awaitReady(60)).as(server.output()).isTrue();
    }

    @AfterAll
    static void stopNode() throws Exception {
        if (server != null) assertThat(server.terminate(40)).isZero();
    }

    record Caller(String name, List<String> args, String stdin, String sender, List<String> recipients, String from) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Each caller's own recipient (a far.test address named after it) finds its message in the shared queue. */
    static Stream<Caller> callers() {
        String me = USER + "@mx.sluice.test";
        return Stream.of(
                // Debian's cron (cron/do_command.c): MAILCMD "-FCronDaemon -i -B8BITMIME -oem", the MAILTO address.
                new Caller("cron", List.of("-FCronDaemon", "-i", "-B8BITMIME", "-oem", "cron@far.test"),
                        "To: cron@far.test\nSubject: Cron <root@host> run-parts\n\noutput\n", me,
                        List.of("cron@far.test"), "From: CronDaemon <" + me + ">"),
                new Caller("cron, name as a separate word", List.of("-F", "Cron Daemon", "-i", "-oem", "cron2@far.test"),
                        "Subject: s\n\nx\n", me, List.of("cron2@far.test"), "From: Cron Daemon <" + me + ">"),
                // PHP's default sendmail_path "sendmail -t -i"; logwatch's "sendmail -t".
                new Caller("PHP mail()", List.of("-t", "-i"), "To: php@far.test\nSubject: php\n\nhello\n.\nstill\n", me,
                        List.of("php@far.test"), "From: <" + me + ">"),
                new Caller("logwatch", List.of("-t"), "To: logwatch@far.test\nFrom: logwatch@mx.sluice.test\nSubject: l\n\nx\n",
                        me, List.of("logwatch@far.test"), "From: logwatch@mx.sluice.test"),
                // unattended-upgrades: [SENDMAIL_BINARY, "-oi", "-t"].
                new Caller("unattended-upgrades", List.of("-oi", "-t"), "To: uu@far.test\nSubject: u\n\nx\n", me,
                        List.of("uu@far.test"), "From: <" + me + ">"),
                new Caller("mailx", List.of("-i", "--", "mailx@far.test"), "Subject: m\n\nx\n", me, List.of("mailx@far.test"),
                        "From: <" + me + ">"),
                // git send-email: "-i" then the recipients, "-f" with the envelope sender when configured.
                new Caller("git send-email", List.of("-i", "-f", "dev@example.test", "git1@far.test", "git2@far.test"),
                        "From: Dev <dev@example.test>\nTo: git1@far.test\nSubject: [PATCH] x\n\ndiff\n", "dev@example.test",
                        List.of("git1@far.test", "git2@far.test"), "From: Dev <dev@example.test>"),
                // mutt: sendmail="/usr/sbin/sendmail -oem -oi", then "--" and the recipients.
                new Caller("mutt", List.of("-oem", "-oi", "--", "mutt@far.test"),
                        "From: Al <al@example.test>\nTo: mutt@far.test\nSubject: m\n\nx\n", me, List.of("mutt@far.test"),
                        "From: Al <al@example.test>"),
                // Postfix: -t adds the header recipients to those on the command line; -r is -f, value attached.
                new Caller("-t with arguments, -r attached", List.of("-rbounce@example.test", "-t", "arg@far.test"),
                        "To: hdr@far.test\nSubject: t\n\nx\n", "bounce@example.test", List.of("arg@far.test", "hdr@far.test"),
                        "From: <bounce@example.test>"),
                new Caller("ignored options", List.of("-Am", "-G", "-U", "-n", "-m", "-odi", "-oep", "-om", "-o8", "-L", "lbl",
                        "-X", "/tmp/log", "-O", "Timeout=1", "-q30m", "ign@far.test"), "Subject: i\n\nx\n", me,
                        List.of("ign@far.test"), "From: <" + me + ">"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("callers")
    void eachCallersCommandLineQueuesItsMessage(Caller c) throws Exception {
        SluiceProcess.Outcome r = SluiceProcess.runApart(c.stdin(), withConfig(c.args()));
        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.stdout() + r.stderr()).as("silent on success").isEmpty();
        String shown = show(c.recipients().getFirst());
        assertThat(shown).contains("sender:    " + c.sender() + "\n");
        for (String rcpt : c.recipients()) assertThat(shown).contains("recipient: " + rcpt + " ");
        assertThat(shown.lines().filter(l -> l.startsWith("recipient: ")).count()).isEqualTo(c.recipients().size());
        assertThat(shown.lines().filter(l -> l.startsWith("From: ")).toList()).containsExactly(c.from());
    }

    @Test
    void dsnOptionsArePassedOnOverSmtp() throws Exception {
        SluiceProcess.Outcome r = SluiceProcess.runApart("Subject: d\n\nx\n", withConfig(List.of("-N", "success,delay",
                "-Rhdrs", "-V", "env-42", "-B", "8BITMIME", "dsn@far.test")));
        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(show("dsn@far.test")).contains("recipient: dsn@far.test [pending] NOTIFY=SUCCESS,DELAY")
                .contains("envid:     env-42").contains("ret:       HDRS").contains("body:      8BITMIME");
    }

    /** What Postfix refuses with EX_USAGE (64; Sluice: 2, as every command's usage error): one readable line, nothing queued. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusedCommandLinesExit64WithOneLine(List<String> args, String says) throws Exception {
        SluiceProcess.Outcome r = SluiceProcess.runApart("Subject: no\n\nx\n", withConfig(args));
        assertThat(r.exit()).as(r.stderr()).isEqualTo(2);
        assertThat(r.stderr()).startsWith("sluice: sendmail: ").contains(says).hasLineCount(1).doesNotContain("Exception");
        assertThat(queueJson()).doesNotContain("refused@far.test");
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of(List.of("-Z", "refused@far.test"), "Unknown option: '-Z'"),
                Arguments.of(List.of("-bs"), "-bs (SMTP on standard input) is not supported"),
                Arguments.of(List.of("-bd"), "run 'sluice serve'"),
                Arguments.of(List.of("-qSsite"), "-qSsite is not supported"),
                Arguments.of(List.of("-B", "BINARYMIME", "refused@far.test"), "-B takes 7BIT or 8BITMIME"),
                Arguments.of(List.of("-N", "sometimes", "refused@far.test"), "-N takes never"),
                Arguments.of(List.of("-t"), "no recipients"));
    }

    /**
     * 1 (Postfix: EX_TEMPFAIL, 75) when the message could not be queued: the spool is held by the running server but its mx
     * listener does not answer (the same data dir with the mx port changed to a closed one), or the data dir cannot
     * be made.
     */
    @Test
    void aMessageThatCouldNotBeQueuedExits75() throws Exception {
        String toml = Files.readString(config);
        var mx = java.util.regex.Pattern.compile("port = (\\d+)\n\\s*mode = \"mx\"").matcher(toml);
        assertThat(mx.find()).as(toml).isTrue();
        Path closed = dir.resolve("closed-mx.toml");
        Files.writeString(closed, toml.replace("port = " + mx.group(1) + "\n", "port = " + FreePorts.next() + "\n"));
        SluiceProcess.Outcome r = SluiceProcess.runApart("Subject: t\n\nx\n", "sendmail", "--config", closed.toString(),
                "tempfail@far.test");
        assertThat(r.exit()).as(r.stderr()).isEqualTo(1);
        assertThat(r.stderr()).startsWith("sluice: sendmail: the running server did not take the message")
                .endsWith("; nothing was queued\n").hasLineCount(1).doesNotContain("Exception");
        Path file = Files.writeString(dir.resolve("in-the-way"), "");
        SluiceProcess.Outcome blocked = SluiceProcess.runApart("Subject: t\n\nx\n", "sendmail", "--data-dir", file.toString(),
                "tempfail@far.test");
        assertThat(blocked.exit()).as(blocked.stderr()).isEqualTo(1);
        assertThat(blocked.stderr()).isEqualTo("sluice: sendmail: cannot create the data directory " + file
                + " (a file is in the way); nothing was queued\n");
        assertThat(queueJson()).doesNotContain("tempfail@far.test");
    }

    @Test
    void theOtherModesAreTheQueueAndAliasCommands() throws Exception {
        SluiceProcess.Outcome seed = SluiceProcess.runApart("Subject: m\n\nx\n", withConfig(List.of("modes@far.test")));
        assertThat(seed.exit()).as(seed.stderr()).isZero();
        Peer.Result bp = SluiceProcess.run(null, withConfig(List.of("-bp")));
        assertThat(bp.exit()).as(bp.output()).isZero();
        assertThat(bp.output()).contains("SENDER").contains(USER + "@mx.sluice.test");
        Peer.Result q = SluiceProcess.run(null, withConfig(List.of("-q")));
        assertThat(q.exit()).as(q.output()).isZero();
        Peer.Result bi = SluiceProcess.run(null, withConfig(List.of("-bi")));
        assertThat(bi.exit()).as(bi.output()).isZero();
        assertThat(bi.output()).contains("[local] aliases");
    }

    /** The real mail(1) of Debian's bsd-mailx, told to use sluice as its sendmail (the mailrc "sendmail" variable). */
    @Test
    void theRealMailxHandsItsMessageToSluice() throws Exception {
        Path mailx = Path.of("/usr/bin/bsd-mailx");
        assertThat(mailx).as("bsd-mailx is installed (.ci/run)").exists();
        Path wrapper = dir.resolve("sendmail");
        String command = SluiceProcess.command("sendmail", "--config", config.toString()).stream()
                .map(a -> "'" + a.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
        Files.writeString(wrapper, "#!/bin/sh\nexec " + command + " \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        Path rc = dir.resolve("mailrc");
        Files.writeString(rc, "set sendmail=" + wrapper + "\n");
        ProcessBuilder b = new ProcessBuilder(mailx.toString(), "-s", "from mailx", "realmailx@far.test")
                .redirectErrorStream(true);
        b.environment().put("MAILRC", rc.toString());
        b.environment().put("HOME", dir.toString());
        Process p = b.start();
        try (var in = p.getOutputStream()) {
            in.write("sent by the real mail(1)\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        String shown = show("realmailx@far.test");
        assertThat(shown).contains("sender:    " + USER + "@mx.sluice.test").contains("Subject: from mailx")
                .contains("From: <" + USER + "@mx.sluice.test>");
    }

    private static String[] withConfig(List<String> args) {
        List<String> all = new ArrayList<>(List.of("sendmail", "--config", config.toString()));
        all.addAll(args);
        return all.toArray(String[]::new);
    }

    private static String queueJson() throws Exception {
        Peer.Result list = SluiceProcess.run(null, "queue", "list", "--json", "--config", config.toString());
        assertThat(list.exit()).as(list.output()).isZero();
        return list.output();
    }

    /** `queue show` of the one message pending for this recipient. */
    private static String show(String recipient) throws Exception {
        String json = queueJson();
        List<String> ids = new ArrayList<>();
        var m = java.util.regex.Pattern.compile("\"id\" : \"([^\"]+)\"[^}]*?\"recipients\" : \\[([^]]*)]").matcher(json);
        while (m.find()) if (m.group(2).contains("\"" + recipient + "\"")) ids.add(m.group(1));
        assertThat(ids).as(json).hasSize(1);
        Peer.Result show = SluiceProcess.run(null, "queue", "show", ids.getFirst(), "--config", config.toString());
        assertThat(show.exit()).as(show.output()).isZero();
        return show.output();
    }
}
