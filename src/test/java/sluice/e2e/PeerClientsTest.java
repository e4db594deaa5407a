package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sluice.spool.QueuedMessage;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;

/** Real clients nobody here wrote — swaks, curl, Python's smtplib — on all four listener roles. */
class PeerClientsTest {
    static SluiceHarness sluice;

    @BeforeAll
    static void start() throws Exception {
        sluice = SluiceHarness.start();
    }

    @AfterAll
    static void stop() {
        sluice.close();
    }

    private static List<String> swaks(int port, String... extra) {
        List<String> cmd = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1:" + port, "--from", SluiceHarness.USER,
                "--to", "bob@example.test", "--timeout", "20", "--header", "Subject: swaks test"));
        cmd.addAll(List.of(extra));
        return cmd;
    }

    private static String[] auth() {
        return new String[] {"--auth", "PLAIN", "--auth-user", SluiceHarness.USER, "--auth-password", SluiceHarness.PASSWORD};
    }

    private static QueuedMessage queuedFrom(String output) throws Exception {
        var m = java.util.regex.Pattern.compile("queued as (\\S+)").matcher(output);
        assertThat(m.find()).as("queue id in: %s", output).isTrue();
        return sluice.spool().find(m.group(1)).orElseThrow();
    }

    @Test
    void swaksSubmissionWithStartTlsAndAuth() throws Exception {
        List<String> cmd = swaks(sluice.submission, "-tls");
        cmd.addAll(List.of(auth()));
        Peer.Result r = Peer.run(cmd, null, 60);
        assertThat(r.exit()).as(r.output()).isZero();
        QueuedMessage m = queuedFrom(r.output());
        assertThat(m.envelope().attributes()).containsEntry("auth_user", SluiceHarness.USER).containsKey("tls");
        String data = new String(sluice.spool().readData(m.id()).orElseThrow());
        assertThat(data).contains("with ESMTPSA id " + m.id()).contains("Subject: swaks test");
    }

    @Test
    void swaksImplicitTlsOn465Role() throws Exception {
        List<String> cmd = swaks(sluice.submissions, "--tls-on-connect");
        cmd.addAll(List.of(auth()));
        Peer.Result r = Peer.run(cmd, null, 60);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(queuedFrom(r.output()).envelope().attributes()).containsEntry("listener", "" + sluice.submissions);
    }

    @Test
    void swaksAlternativeSubmissionPortWithPipelining() throws Exception {
        List<String> cmd = swaks(sluice.alt, "-tls", "--pipeline");
        cmd.addAll(List.of(auth()));
        Peer.Result r = Peer.run(cmd, null, 60);
        assertThat(r.exit()).as(r.output()).isZero();
        queuedFrom(r.output());
    }

    @Test
    void swaksMxToLocalDomainNeedsNoAuth() throws Exception {
        Peer.Result r = Peer.run(List.of("swaks", "--server", "127.0.0.1:" + sluice.mx, "--from", "someone@far.test",
                "--to", "bob@example.test", "--timeout", "20"), null, 60);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(queuedFrom(r.output()).envelope().attributes()).containsEntry("protocol", "ESMTP");
    }

    @Test
    void swaksMxRefusesRelay() throws Exception {
        Peer.Result r = Peer.run(List.of("swaks", "--server", "127.0.0.1:" + sluice.mx, "--from", "someone@far.test",
                "--to", "victim@elsewhere.test", "--timeout", "20"), null, 60);
        assertThat(r.exit()).isNotZero();
        assertThat(r.output()).contains("554 5.7.1");
    }

    @Test
    void swaksSubmissionWithoutTlsCannotAuth() throws Exception {
        List<String> cmd = swaks(sluice.submission);
        cmd.addAll(List.of(auth()));
        Peer.Result r = Peer.run(cmd, null, 60);
        assertThat(r.exit()).isNotZero();
        // AUTH is not advertised before STARTTLS, so swaks gives up without sending credentials
        assertThat(r.output()).doesNotContain("235 ");
    }

    @Test
    void curlSubmissionStartTlsAndImplicitTls() throws Exception {
        Path msg = Files.createTempFile(sluice.dir, "msg", ".eml");
        Files.writeString(msg, "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: curl\r\n\r\nhello from curl\r\n");
        for (String url : List.of("smtp://127.0.0.1:" + sluice.submission, "smtps://127.0.0.1:" + sluice.submissions)) {
            Peer.Result r = Peer.run(List.of("curl", "-sS", "-v", "--url", url, "--ssl-reqd", "-k", "--mail-from",
                    SluiceHarness.USER, "--mail-rcpt", "bob@example.test", "--user",
                    SluiceHarness.USER + ":" + SluiceHarness.PASSWORD, "--upload-file", msg.toString()), null, 60);
            assertThat(r.exit()).as(r.output()).isZero();
            QueuedMessage m = queuedFrom(r.output());
            assertThat(new String(sluice.spool().readData(m.id()).orElseThrow())).contains("hello from curl");
        }
    }

    @Test
    void pythonSmtplibStartTlsImplicitTlsAndMx() throws Exception {
        String script = """
                import smtplib, ssl, sys
                ctx = ssl._create_unverified_context()
                sub, subs, mx, user, pw = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
                msg = "From: %s\\r\\nTo: bob@example.test\\r\\nSubject: smtplib\\r\\n\\r\\nhi\\r\\n" % user
                with smtplib.SMTP("127.0.0.1", sub, local_hostname="client.test", timeout=20) as s:
                    s.ehlo()
                    assert not s.has_extn("auth"), "AUTH offered before STARTTLS"
                    s.starttls(context=ctx)
                    s.ehlo()
                    assert s.has_extn("auth")
                    s.login(user, pw)
                    print("starttls", s.sendmail(user, ["bob@example.test"], msg))
                with smtplib.SMTP_SSL("127.0.0.1", subs, local_hostname="client.test", context=ctx, timeout=20) as s:
                    s.login(user, pw)
                    print("implicit", s.sendmail(user, ["bob@example.test"], msg))
                with smtplib.SMTP("127.0.0.1", mx, local_hostname="client.test", timeout=20) as s:
                    print("mx", s.sendmail("x@far.test", ["bob@example.test"], msg))
                    try:
                        s.sendmail("x@far.test", ["victim@elsewhere.test"], msg)
                        print("RELAYED")
                    except smtplib.SMTPRecipientsRefused as e:
                        print("refused", e.recipients["victim@elsewhere.test"][0])
                """;
        Path py = sluice.dir.resolve("client.py");
        Files.writeString(py, script);
        Peer.Result r = Peer.run(List.of("/usr/bin/python3", py.toString(), "" + sluice.submission, "" + sluice.submissions,
                "" + sluice.mx, SluiceHarness.USER, SluiceHarness.PASSWORD), null, 60);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("starttls {}").contains("implicit {}").contains("mx {}").contains("refused 554")
                .doesNotContain("RELAYED");
    }
}
