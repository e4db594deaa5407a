package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.config.ConfigLoader;
import sluice.node.Node;
import sluice.spool.QueuedMessage;
import sluice.testkit.Dnsmasq;
import sluice.testkit.FreePorts;
import sluice.testkit.Peer;
import sluice.testkit.PostfixInstance;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;

/**
 * Sluice against a real Postfix (a private instance from the Debian package, see {@link PostfixInstance}) in both
 * directions, and against a second Sluice node, with dnsmasq as the test zone's DNS server. Nothing leaves 127/8.
 */
class PostfixPeersTest {
    @TempDir
    Path tmp;

    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @BeforeEach
    void peersInstalled() {
        assumeTrue(Dnsmasq.available(), "dnsmasq (package dnsmasq-base) is installed by .ci/run");
        assumeTrue(PostfixInstance.available(), "postfix is installed by .ci/run");
    }

    @AfterEach
    void close() {
        for (AutoCloseable c : closeLater.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("close: " + e);
            }
        }
    }

    private <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    private static String delivery(int mxPort, Dnsmasq dns) {
        return """
                [delivery]
                mx_port = %d
                dns_servers = ["%s"]
                connect_timeout = "2s"
                reply_timeout = "5s"
                retry_schedule = ["1h"]
                """.formatted(mxPort, dns.address());
    }

    private static List<JsonNode> log(Path deliveryLog) throws Exception {
        if (!Files.exists(deliveryLog)) return List.of();
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(deliveryLog)) {
            if (!line.isBlank()) out.add(json.readTree(line));
        }
        return out;
    }

    /** Polls the delivery log (written asynchronously) until an event matches. */
    private static JsonNode awaitEvent(Path deliveryLog, Predicate<JsonNode> match, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            for (JsonNode n : log(deliveryLog)) {
                if (match.test(n)) return n;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no matching event after " + limit + " in:\n"
                        + (Files.exists(deliveryLog) ? Files.readString(deliveryLog) : "(no log)"));
            }
            Thread.sleep(50);
        }
    }

    private static Predicate<JsonNode> event(String event, String recipient) {
        return n -> n.path("event").asText().equals(event) && n.path("recipient").asText().equals(recipient);
    }

    private static List<Path> awaitFiles(Path dir, int count, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            List<Path> files = List.of();
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.list(dir)) {
                    files = s.filter(Files::isRegularFile).sorted().toList();
                }
            }
            if (files.size() >= count) return files;
            if (System.nanoTime() > deadline) throw new AssertionError(dir + " holds " + files + " after " + limit);
            Thread.sleep(50);
        }
    }

    @Test
    void sluiceDeliversToPostfixAsTheMxOverStartTlsAndBouncesWhatPostfixRefuses() throws Exception {
        Dnsmasq dns = later(Dnsmasq.builder().mx("faraway.test", "mx1.faraway.test", 10)
                .host("mx1.faraway.test", "127.0.0.1").start());
        Path pf = PostfixInstance.newDir();
        later(() -> PostfixInstance.deleteDir(pf)); // in case the instance never starts
        Peer.Result cert = Peer.run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=mx1.faraway.test", "-keyout", pf.resolve("key.pem").toString(),
                "-out", pf.resolve("cert.pem").toString()), null, 30);
        assertThat(cert.exit()).as(cert.output()).isZero();
        Path vmail = Files.createDirectories(pf.resolve("vmail"));
        assertThat(Peer.run(List.of("chown", "65534:65534", vmail.toString()), null, 10).exit()).isZero();
        int smtpd = FreePorts.next();
        PostfixInstance postfix = later(PostfixInstance.start(pf, Map.of(
                "myhostname", "mx1.faraway.test",
                "smtpd_tls_cert_file", pf.resolve("cert.pem").toString(),
                "smtpd_tls_key_file", pf.resolve("key.pem").toString(),
                "smtpd_tls_security_level", "may",
                "virtual_mailbox_domains", "faraway.test",
                "virtual_mailbox_maps", "inline:{ bob@faraway.test=bob/ }",
                "virtual_mailbox_base", vmail.toString(),
                "virtual_uid_maps", "static:65534",
                "virtual_gid_maps", "static:65534"), smtpd));
        SluiceHarness s = later(SluiceHarness.start("[\"127.0.0.0/8\"]", delivery(smtpd, dns)));

        String id = s.sendMx("alice@example.test", "Subject: to postfix\nMessage-ID: <pf1@example.test>\n\nHello Postfix\n",
                "bob@faraway.test", "nobody@faraway.test");

        JsonNode delivered = awaitEvent(s.deliveryLog(), event("delivered", "bob@faraway.test"), Duration.ofSeconds(10));
        assertThat(delivered.path("queue_id").asText()).isEqualTo(id);
        assertThat(delivered.path("remote_host").asText()).isEqualTo("mx1.faraway.test");
        assertThat(delivered.path("remote_ip").asText()).isEqualTo("127.0.0.1");
        assertThat(delivered.path("remote_port").asInt()).isEqualTo(smtpd);
        assertThat(delivered.path("tls").asText()).startsWith("TLSv1.");
        assertThat(delivered.path("code").asInt()).isEqualTo(250);
        JsonNode bounced = awaitEvent(s.deliveryLog(), event("bounced", "nobody@faraway.test"), Duration.ofSeconds(10));
        assertThat(bounced.path("code").asInt()).isEqualTo(550);
        assertThat(bounced.path("enhanced_code").asText()).isEqualTo("5.1.1");

        // Postfix's virtual delivery agent wrote bob's Maildir.
        List<Path> bob = awaitFiles(vmail.resolve("bob").resolve("new"), 1, Duration.ofSeconds(10));
        assertThat(bob).hasSize(1);
        String mail = Files.readString(bob.get(0));
        assertThat(mail).contains("Message-ID: <pf1@example.test>").contains("Subject: to postfix").contains("Hello Postfix")
                .contains("Return-Path: <alice@example.test>").contains("with ESMTPS id");
        String pflog = postfix.awaitLog("status=sent (delivered to maildir)", Duration.ofSeconds(10));
        assertThat(pflog).contains("Anonymous TLS connection established from unknown[127.0.0.1]")
                .contains("reject: RCPT from unknown[127.0.0.1]: 550 5.1.1 <nobody@faraway.test>");

        // The DSN about nobody@ goes back to alice, a local user: her Maildir.
        List<Path> alice = awaitFiles(s.dataDir().resolve("mail/example.test/alice/new"), 1, Duration.ofSeconds(10));
        assertThat(alice).hasSize(1);
        String dsn = Files.readString(alice.get(0));
        assertThat(dsn).contains("Return-Path: <>").contains("multipart/report")
                .contains("Final-Recipient: rfc822; nobody@faraway.test").contains("Action: failed").contains("Status: 5.1.1")
                .contains("Remote-MTA: dns; mx1.faraway.test").contains("User unknown in virtual mailbox table")
                .doesNotContain("Final-Recipient: rfc822; bob@faraway.test");
        s.awaitEmptyQueue(Duration.ofSeconds(10));

        // The session stays pooled for reuse; a graceful stop of Sluice ends it with QUIT.
        closeLater.remove(s);
        s.close();
        assertThat(postfix.awaitLog("quit=1", Duration.ofSeconds(5)))
                .containsPattern("disconnect from unknown\\[127\\.0\\.0\\.1\\] ehlo=2 starttls=1 mail=1 rcpt=1/2 data=1 quit=1");
    }

    @Test
    void postfixRelaysThroughSluiceSubmissionWithSaslOverStartTls() throws Exception {
        SluiceHarness s = later(SluiceHarness.start()); // delivery paused: what arrives stays queued
        String relay = "[127.0.0.1]:" + s.submission;
        int smtpd = FreePorts.next();
        PostfixInstance postfix = later(PostfixInstance.start(PostfixInstance.newDir(), Map.of(
                "myhostname", "client.postfix.test",
                "relayhost", relay,
                "default_transport", "smtp",
                "smtp_sasl_auth_enable", "yes",
                "smtp_sasl_password_maps", "inline:{ " + relay + "=" + SluiceHarness.USER + ":" + SluiceHarness.PASSWORD + " }",
                "smtp_sasl_security_options", "noanonymous",
                "smtp_tls_security_level", "encrypt"), smtpd));

        Peer.Result r = Peer.run(List.of("swaks", "--server", "127.0.0.1:" + smtpd, "--from", SluiceHarness.USER,
                "--to", "bob@far.test", "--timeout", "10", "--header", "Subject: via postfix"), null, 30);
        assertThat(r.exit()).as(r.output()).isZero();

        String pflog = postfix.awaitLog("status=sent", Duration.ofSeconds(10));
        assertThat(pflog).contains("to=<bob@far.test>, relay=127.0.0.1[127.0.0.1]:" + s.submission)
                .containsPattern("TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:" + s.submission + ": TLSv1\\.[23]");
        assertThat(postfix.queueList()).isEmpty();

        List<QueuedMessage> queue = s.queue();
        assertThat(queue).hasSize(1);
        QueuedMessage m = queue.get(0);
        assertThat(m.envelope().sender()).isEqualTo(SluiceHarness.USER);
        assertThat(m.envelope().recipients()).extracting(rc -> rc.address()).containsExactly("bob@far.test");
        assertThat(m.envelope().attributes()).containsEntry("auth_user", SluiceHarness.USER)
                .containsEntry("listener", "" + s.submission);
        String data = new String(s.spool().readData(m.id()).orElseThrow());
        assertThat(data).contains("Subject: via postfix").contains("with ESMTPSA id " + m.id())
                .contains("by client.postfix.test (Postfix)");

        JsonNode received = awaitEvent(s.deliveryLog(), n -> n.path("event").asText().equals("received"), Duration.ofSeconds(5));
        assertThat(received.path("queue_id").asText()).isEqualTo(m.id());
        assertThat(received.path("auth_user").asText()).isEqualTo(SluiceHarness.USER);
        assertThat(received.path("tls").asText()).startsWith("TLSv1.");
        assertThat(received.path("sender").asText()).isEqualTo(SluiceHarness.USER);
    }

    @Test
    void aWrongPasswordLeavesMailDeferredInPostfixUntilFixedAndFlushed() throws Exception {
        SluiceHarness s = later(SluiceHarness.start());
        String relay = "[127.0.0.1]:" + s.submission;
        int smtpd = FreePorts.next();
        PostfixInstance postfix = later(PostfixInstance.start(PostfixInstance.newDir(), Map.of(
                "myhostname", "client.postfix.test",
                "relayhost", relay,
                "default_transport", "smtp",
                "smtp_sasl_auth_enable", "yes",
                "smtp_sasl_password_maps", "inline:{ " + relay + "=" + SluiceHarness.USER + ":wrong }",
                "smtp_sasl_security_options", "noanonymous",
                "smtp_tls_security_level", "encrypt",
                // no retries of its own: only the flush below sends again
                "queue_run_delay", "1h",
                "minimal_backoff_time", "1h",
                "maximal_backoff_time", "1h"), smtpd));

        Peer.Result r = Peer.run(List.of("swaks", "--server", "127.0.0.1:" + smtpd, "--from", SluiceHarness.USER,
                "--to", "carol@far.test", "--timeout", "10", "--header", "Subject: retried"), null, 30);
        assertThat(r.exit()).as(r.output()).isZero();
        String pflog = postfix.awaitLog("status=deferred", Duration.ofSeconds(10));
        assertThat(pflog).contains("to=<carol@far.test>").contains("dsn=4.7.8").contains("SASL authentication failed");
        List<String> queue = postfix.queueList();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!(queue.size() == 1 && queue.get(0).contains("\"queue_name\": \"deferred\"")) && System.nanoTime() < deadline) {
            Thread.sleep(50); // the log line comes just before the move from the active to the deferred queue
            queue = postfix.queueList();
        }
        assertThat(queue).hasSize(1);
        assertThat(queue.get(0)).contains("\"queue_name\": \"deferred\"").contains("carol@far.test")
                .contains("535 5.7.8 Authentication credentials invalid");
        assertThat(s.queue()).isEmpty();

        postfix.set(Map.of("smtp_sasl_password_maps",
                "inline:{ " + relay + "=" + SluiceHarness.USER + ":" + SluiceHarness.PASSWORD + " }"));
        postfix.flush();
        postfix.awaitLog("status=sent", Duration.ofSeconds(10));
        assertThat(s.queue()).hasSize(1);
        assertThat(s.queue().get(0).envelope().recipients()).extracting(rc -> rc.address()).containsExactly("carol@far.test");
        deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!postfix.queueList().isEmpty() && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(postfix.queueList()).isEmpty();
        assertThat(Files.readString(s.deliveryLog())).doesNotContain("wrong").doesNotContain(SluiceHarness.PASSWORD);
    }

    @Test
    void oneSluiceRelaysToAnotherByMx() throws Exception {
        Dnsmasq dns = later(Dnsmasq.builder().mx("faraway.test", "mx1.faraway.test", 10)
                .host("mx1.faraway.test", "127.0.0.1").start());
        Path bDir = Files.createDirectories(tmp.resolve("b"));
        int bMx = FreePorts.next();
        Path bConfig = Files.writeString(bDir.resolve("sluice.toml"), """
                hostname = "mx1.faraway.test"
                data_dir = "%s"
                local_domains = ["faraway.test"]
                trusted_networks = []

                [[listeners]]
                address = "127.0.0.1"
                port = %d
                mode = "mx"

                [timeouts]
                shutdown = "5s"

                [local]
                catch_all = { "faraway.test" = "postmaster@faraway.test" }

                [admin]
                address = "127.0.0.1:%d"

                %s
                """.formatted(bDir.resolve("data"), bMx, FreePorts.next(), delivery(FreePorts.next(), dns)));
        Node b = Node.start(ConfigLoader.load(bConfig, null), Clock.systemUTC());
        later(b::close);
        SluiceHarness a = later(SluiceHarness.start("[\"127.0.0.0/8\"]", delivery(bMx, dns)));

        String id = a.sendMx("alice@example.test", "Subject: a to b\nMessage-ID: <ab@example.test>\n\nacross\n",
                "someone@faraway.test");
        JsonNode delivered = awaitEvent(a.deliveryLog(), event("delivered", "someone@faraway.test"), Duration.ofSeconds(10));
        assertThat(delivered.path("queue_id").asText()).isEqualTo(id);
        assertThat(delivered.path("remote_host").asText()).isEqualTo("mx1.faraway.test");
        assertThat(delivered.path("tls").asText()).startsWith("TLSv1.");

        List<Path> pm = awaitFiles(b.config().dataDir().resolve("mail/faraway.test/postmaster/new"), 1, Duration.ofSeconds(10));
        assertThat(pm).hasSize(1);
        String mail = Files.readString(pm.get(0));
        assertThat(mail).contains("Delivered-To: postmaster@faraway.test").contains("Subject: a to b")
                .contains("Return-Path: <alice@example.test>").contains("by mx1.faraway.test");
        JsonNode bReceived = awaitEvent(b.config().log().deliveryLog(), n -> n.path("event").asText().equals("received"),
                Duration.ofSeconds(5));
        assertThat(bReceived.path("tls").asText()).startsWith("TLSv1.");
        assertThat(bReceived.path("sender").asText()).isEqualTo("alice@example.test");
        a.awaitEmptyQueue(Duration.ofSeconds(10));
    }

    @Test
    void probeReportsPostfixStartTlsAndThatItOffersNoSubmissionAuth() throws Exception {
        Path pf = PostfixInstance.newDir();
        later(() -> PostfixInstance.deleteDir(pf));
        Peer.Result cert = Peer.run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=mta.postfix.test", "-keyout", pf.resolve("key.pem").toString(),
                "-out", pf.resolve("cert.pem").toString()), null, 30);
        assertThat(cert.exit()).as(cert.output()).isZero();
        int smtpd = FreePorts.next();
        later(PostfixInstance.start(pf, Map.of(
                "myhostname", "mta.postfix.test",
                "smtpd_tls_cert_file", pf.resolve("cert.pem").toString(),
                "smtpd_tls_key_file", pf.resolve("key.pem").toString(),
                "smtpd_tls_security_level", "may"), smtpd));
        Peer.Result r = SluiceProcess.run(null, "probe", "127.0.0.1", "--ports", Integer.toString(smtpd), "--timeout", "3s",
                "--json");
        assertThat(r.exit()).as(r.output()).isEqualTo(1); // reachable, TLS works, but no AUTH: not for submission
        JsonNode report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.output().substring(r.output().indexOf('{')));
        JsonNode port = report.path("ports").get(0);
        assertThat(port.path("status").asText()).isEqualToIgnoringCase("reachable");
        assertThat(port.path("banner").asText()).contains("mta.postfix.test").contains("ESMTP");
        assertThat(port.path("extensions").toString()).contains("STARTTLS").contains("PIPELINING");
        assertThat(port.path("tls").path("mode").asText()).isEqualToIgnoringCase("starttls");
        assertThat(port.path("tls").path("version").asText()).startsWith("TLSv1.");
        assertThat(port.path("tls").path("subject").asText()).contains("mta.postfix.test");
        assertThat(port.path("auth_after_tls")).isEmpty();
        assertThat(report.path("recommendation").path("port").isNull()).isTrue();
    }
}
