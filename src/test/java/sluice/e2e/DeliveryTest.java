package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.FreePorts;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TestDnsServer;
import sluice.testkit.TestTls;
import sluice.testkit.TempDirs;

/**
 * Delivery end to end inside one JVM: a real node routes by MX records from a loopback DNS server to scripted
 * remote servers, delivers local recipients into Maildir, and sends DSNs (which, for a local sender, land in
 * its Maildir too).
 */
class DeliveryTest {
    private TestDnsServer dns;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @BeforeEach
    void dns() {
        dns = TestDnsServer.start();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
        dns.close();
    }

    private <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    private SluiceHarness sluice(int mxPort, String extra) throws Exception {
        return later(SluiceHarness.start("[\"127.0.0.0/8\"]", """
                [delivery]
                mx_port = %d
                dns_servers = ["%s"]
                connect_timeout = "2s"
                reply_timeout = "2s"
                retry_schedule = ["1h"]
                %s
                """.formatted(mxPort, dns.address(), extra)));
    }

    private static List<Path> maildir(SluiceHarness s, String domain, String user) throws Exception {
        Path dir = s.dataDir().resolve("mail").resolve(domain).resolve(user).resolve("new");
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    /** Polls an assertion about what happens in the background (delivery attempts, the async log) for 20 s. */
    static void eventually(ThrowingRunnable assertion) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(assertion);
    }

    private static List<JsonNode> log(SluiceHarness s) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(s.deliveryLog())) out.add(json.readTree(line));
        return out;
    }

    @Test
    void remoteRecipientsGoToTheMxLocalOnesToMaildirAndOneDsnListsTheFailures() throws Exception {
        FakeSmtpServer mx = later(FakeSmtpServer.start(b -> b.ehlo("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "SIZE 100000")
                .rcptReply("nobody@far.test", 550, "5.1.1 No such user here")));
        dns.mx("far.test", 10, "mx1.far.test").a("mx1.far.test", "127.0.0.1");
        SluiceHarness s = sluice(mx.port(), "");

        String id = s.sendMx("alice@example.test", "Subject: hello\nMessage-ID: <m1@example.test>\n\nHi there\n",
                "bob@far.test", "nobody@far.test", "carol@example.test");
        s.awaitEmptyQueue(Duration.ofSeconds(20));

        assertThat(mx.messages()).hasSize(1);
        assertThat(mx.messages().get(0).recipients()).extracting(FakeSmtpServer.Rcpt::address).containsExactly("bob@far.test"); // the refused one is not in the transaction
        assertThat(mx.messages().get(0).text()).contains("Subject: hello").contains("Received: from client.test");
        // carol is caught by the catch-all: postmaster's Maildir. The DSN about nobody@ goes to alice (a user).
        List<Path> postmaster = maildir(s, "example.test", "postmaster");
        assertThat(postmaster).hasSize(1);
        assertThat(Files.readString(postmaster.get(0))).contains("Delivered-To: postmaster@example.test")
                .contains("Subject: hello").doesNotContain("\r\n");
        List<Path> alice = maildir(s, "example.test", "alice");
        assertThat(alice).hasSize(1);
        String dsn = Files.readString(alice.get(0));
        assertThat(dsn).contains("Return-Path: <>").contains("multipart/report").contains("Final-Recipient: rfc822; nobody@far.test")
                .contains("Action: failed").contains("Status: 5.1.1").contains("Remote-MTA: dns; mx1.far.test")
                .contains("550 5.1.1 No such user here").doesNotContain("Final-Recipient: rfc822; bob@far.test");

        eventually(() -> assertThat(log(s))
                .filteredOn(n -> id.equals(n.path("queue_id").asText()) && !n.path("event").asText().equals("received"))
                .extracting(n -> n.path("event").asText() + " " + n.path("recipient").asText() + " " + n.path("code").asInt())
                .containsExactlyInAnyOrder("delivered bob@far.test 250", "bounced nobody@far.test 550",
                        "delivered carol@example.test 250"));
        List<JsonNode> log = log(s);
        JsonNode delivered = log.stream().filter(n -> n.path("recipient").asText().equals("bob@far.test")
                && n.path("event").asText().equals("delivered")).findFirst().orElseThrow();
        assertThat(delivered.path("remote_host").asText()).isEqualTo("mx1.far.test");
        assertThat(delivered.path("remote_ip").asText()).isEqualTo("127.0.0.1");
        assertThat(delivered.path("remote_port").asInt()).isEqualTo(mx.port());
    }

    @Test
    void backupMxTakesOverWhenThePrimaryRefusesOrFailsAtTheGreeting() throws Exception {
        FakeSmtpServer backup = later(FakeSmtpServer.start(b -> {}));
        FakeSmtpServer busy = later(FakeSmtpServer.start(b -> b.greeting(421, "4.3.2 busy")));
        // All hosts share mx_port, so the primary lives on another loopback address where nothing listens.
        dns.mx("far.test", 5, "mx0.far.test").a("mx0.far.test", "127.0.0.3")
                .mx("far.test", 10, "mx1.far.test").a("mx1.far.test", "127.0.0.1");
        SluiceHarness s = sluice(backup.port(), "");
        s.sendMx("alice@example.test", "Subject: via backup\n\nx\n", "bob@far.test");
        s.awaitEmptyQueue(Duration.ofSeconds(20));
        assertThat(backup.messages()).hasSize(1);
        assertThat(busy.connections()).isZero();
    }

    @Test
    void nullMxAndUnknownDomainsBounceAtOnceTemporaryDnsFailuresDefer() throws Exception {
        dns.nullMx("nomail.test").servfail("broken.test");
        SluiceHarness s = sluice(FreePorts.next(), "");
        s.sendMx("alice@example.test", "Subject: a\n\nx\n", "a@nomail.test", "b@nxdomain.test", "c@broken.test");
        eventually(() -> assertThat(log(s)).filteredOn(n -> !n.path("event").asText().equals("received"))
                .extracting(n -> n.path("event").asText() + " " + n.path("recipient").asText() + " " + n.path("enhanced_code").asText())
                .contains("bounced a@nomail.test 5.1.10", "bounced b@nxdomain.test 5.1.2", "deferred c@broken.test 4.4.3"));
        // the round is settled in the spool (and the DSN delivered) just after its events are logged
        eventually(() -> assertThat(s.queue()).singleElement() // c@broken.test waits for its retry
                .satisfies(m -> assertThat(m.envelope().recipients()).extracting(r -> r.state().name())
                        .containsExactly("BOUNCED", "BOUNCED", "PENDING")));
        eventually(() -> assertThat(maildir(s, "example.test", "alice")).hasSize(1));
        List<Path> alice = maildir(s, "example.test", "alice");
        assertThat(Files.readString(alice.get(0))).contains("Status: 5.1.10").contains("Status: 5.1.2");
    }

    @Test
    void aNullSenderNeverGetsABounce() throws Exception {
        dns.nullMx("nomail.test");
        SluiceHarness s = sluice(FreePorts.next(), "");
        s.sendMx("", "Subject: a bounce\n\nx\n", "a@nomail.test");
        s.awaitEmptyQueue(Duration.ofSeconds(20));
        eventually(() -> assertThat(log(s)).extracting(n -> n.path("event").asText()).containsExactly("received", "bounced"));
    }

    @Test
    void smarthostFallsBackFromABlockedAndARefusedPortToImplicitTlsAndRemembersIt() throws Exception {
        FakeSmtpServer blocked = later(FakeSmtpServer.start(FakeSmtpServer.Script::blackhole));
        int refused = FakeSmtpServer.closedAddress().getPort();
        FakeSmtpServer implicit = later(FakeSmtpServer.start(b -> b.implicitTls(TestTls.get().serverContext())
                .ehlo("PIPELINING", "ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN").auth("relayuser", "s3cret")));
        Path password = Files.writeString(TempDirs.file("smarthost", ".pw"), "s3cret\n");
        Path ca = TempDirs.file("smarthost", ".pem");
        Files.writeString(ca, "-----BEGIN CERTIFICATE-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(TestTls.get().certificate().getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        SluiceHarness s = sluice(FreePorts.next(), """
                [[delivery.smarthosts]]
                host = "127.0.0.1"
                ports = [%d, %d, %d]
                implicit_tls_ports = [%d]
                username = "relayuser"
                password_file = "%s"
                ca_file = "%s"
                """.formatted(blocked.port(), refused, implicit.port(), implicit.port(), password, ca));

        s.sendMx("alice@example.test", "Subject: one\n\nx\n", "bob@far.test");
        s.awaitEmptyQueue(Duration.ofSeconds(30));
        assertThat(implicit.messages()).hasSize(1);
        assertThat(implicit.messages().get(0).tls()).isTrue();
        assertThat(implicit.commands()).anyMatch(c -> c.startsWith("AUTH PLAIN"));
        assertThat(blocked.connections()).isEqualTo(1);

        s.sendMx("alice@example.test", "Subject: two\n\nx\n", "carol@far.test");
        s.awaitEmptyQueue(Duration.ofSeconds(30));
        assertThat(implicit.messages()).hasSize(2);
        assertThat(blocked.connections()).as("the working port is remembered").isEqualTo(1);
        eventually(() -> assertThat(log(s)).extracting(n -> n.path("event").asText()).contains("delivered"));
        JsonNode delivered = log(s).stream().filter(n -> n.path("event").asText().equals("delivered")).findFirst().orElseThrow();
        assertThat(delivered.path("remote_port").asInt()).isEqualTo(implicit.port());
        assertThat(delivered.path("tls").asText()).startsWith("TLSv1.");
        assertThat(Files.readString(s.deliveryLog())).doesNotContain("s3cret");
    }

    @Test
    void credentialsAreNeverSentWithoutTls() throws Exception {
        FakeSmtpServer plain = later(FakeSmtpServer.start(b -> b.ehlo("PIPELINING", "AUTH PLAIN LOGIN").auth("u", "p")));
        Path password = Files.writeString(TempDirs.file("smarthost", ".pw"), "p");
        SluiceHarness s = sluice(FreePorts.next(), """
                [[delivery.smarthosts]]
                host = "127.0.0.1"
                ports = [%d]
                username = "u"
                password_file = "%s"
                """.formatted(plain.port(), password));
        s.sendMx("alice@example.test", "Subject: secret\n\nx\n", "bob@far.test");
        eventually(() -> assertThat(s.queue()).singleElement().satisfies(m ->
                assertThat(m.envelope().recipients().get(0).lastError()).contains("STARTTLS")));
        assertThat(plain.commands()).noneMatch(c -> c.startsWith("AUTH")).noneMatch(c -> c.startsWith("MAIL"));
    }

    @Test
    void anIpv6AddressThatRefusesFallsBackToIpv4OfTheSameHost() throws Exception {
        FakeSmtpServer mx = later(FakeSmtpServer.start(b -> {}));
        dns.mx("far.test", 10, "mx1.far.test").aaaa("mx1.far.test", "::1").a("mx1.far.test", "127.0.0.1");
        SluiceHarness s = sluice(mx.port(), "");
        s.sendMx("alice@example.test", "Subject: v6\n\nx\n", "bob@far.test");
        s.awaitEmptyQueue(Duration.ofSeconds(20));
        assertThat(mx.messages()).hasSize(1);
    }

    @Test
    void aSecondSmarthostWithTheSameDomainsIsTheFailover() throws Exception {
        FakeSmtpServer second = later(FakeSmtpServer.start(b -> {}));
        SluiceHarness s = sluice(FreePorts.next(), """
                [[delivery.smarthosts]]
                host = "127.0.0.3"
                ports = [%d]
                tls = "opportunistic"
                [[delivery.smarthosts]]
                host = "127.0.0.1"
                ports = [%d]
                tls = "opportunistic"
                """.formatted(second.port(), second.port()));
        s.sendMx("alice@example.test", "Subject: failover\n\nx\n", "bob@far.test");
        s.awaitEmptyQueue(Duration.ofSeconds(20));
        assertThat(second.messages()).hasSize(1);
    }

    @Test
    void messagesToTheSameHostReuseOneConnection() throws Exception {
        FakeSmtpServer mx = later(FakeSmtpServer.start(b -> {}));
        dns.mx("far.test", 10, "mx1.far.test").a("mx1.far.test", "127.0.0.1");
        SluiceHarness s = sluice(mx.port(), "");
        for (int i = 0; i < 3; i++) {
            s.sendMx("alice@example.test", "Subject: reuse " + i + "\n\nx\n", "bob@far.test");
            s.awaitEmptyQueue(Duration.ofSeconds(20));
        }
        assertThat(mx.messages()).hasSize(3);
        assertThat(mx.connections()).isEqualTo(1);
    }

    @Test
    void aFailedStartTlsHandshakeIsRetriedInPlaintextUnlessTheDomainRequiresTls() throws Exception {
        FakeSmtpServer mx = later(FakeSmtpServer.start(b -> b.tls(TestTls.get().serverContext())
                .tlsFailure(FakeSmtpServer.TlsFailure.CLOSE_DURING_HANDSHAKE)));
        dns.mx("far.test", 10, "mx1.far.test").a("mx1.far.test", "127.0.0.1")
                .mx("bank.test", 10, "mx1.far.test");
        SluiceHarness s = sluice(mx.port(), "tls_policy = { \"bank.test\" = \"required\" }\n");
        s.sendMx("alice@example.test", "Subject: opportunistic\n\nx\n", "bob@far.test");
        s.awaitEmptyQueue(Duration.ofSeconds(20));
        assertThat(mx.messages()).hasSize(1);
        assertThat(mx.messages().get(0).tls()).isFalse();

        s.sendMx("alice@example.test", "Subject: must be encrypted\n\nx\n", "teller@bank.test");
        eventually(() -> assertThat(s.queue()).singleElement().satisfies(m ->
                assertThat(m.envelope().recipients().get(0).lastError()).contains("TLS")));
        assertThat(mx.messages()).hasSize(1); // never sent in plaintext
    }

    @Test
    void aQuotedLocalPartWithASpaceIsDeliveredAsItCame() throws Exception {
        FakeSmtpServer mx = later(FakeSmtpServer.start(b -> {}));
        dns.mx("far.test", 10, "mx1.far.test").a("mx1.far.test", "127.0.0.1");
        SluiceHarness s = sluice(mx.port(), "");
        s.sendMx("alice@example.test", "Subject: quoted\n\nx\n", "\"john doe\"@far.test");
        s.awaitEmptyQueue(Duration.ofSeconds(20));
        assertThat(mx.commands()).contains("RCPT TO:<\"john doe\"@far.test>");
    }
}
