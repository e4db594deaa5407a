package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;
import sluice.testkit.TestDnsServer;

/** `sluice trace ID` on the log of a node that delivered, bounced and sent a DSN. */
class TraceCliTest {
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

    private SluiceHarness deliveringNode() throws Exception {
        FakeSmtpServer mx = FakeSmtpServer.start(b -> b.ehlo("PIPELINING", "ENHANCEDSTATUSCODES")
                .rcptReply("nobody@far.test", 550, "5.1.1 No such user here"));
        closeLater.add(mx);
        dns.mx("far.test", 10, "mx1.far.test").a("mx1.far.test", "127.0.0.1");
        SluiceHarness s = SluiceHarness.start("[\"127.0.0.0/8\"]", """
                [delivery]
                mx_port = %d
                dns_servers = ["%s"]
                connect_timeout = "2s"
                reply_timeout = "2s"
                retry_schedule = ["1h"]
                """.formatted(mx.port(), dns.address()));
        closeLater.add(s);
        return s;
    }

    /** Polls the delivery log until it holds each "event recipient", "event queue-id" or "received(dsn)". */
    private static void awaitLogged(SluiceHarness s, String... expected) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            List<String> seen = new ArrayList<>();
            ObjectMapper json = new ObjectMapper();
            for (String line : Files.readAllLines(s.deliveryLog())) {
                JsonNode n = json.readTree(line);
                String event = n.path("event").asText();
                seen.add(event + " " + n.path("recipient").asText());
                seen.add(event + " " + n.path("queue_id").asText());
                if (n.has("dsn_for")) seen.add(event + "(dsn)");
            }
            assertThat(seen).contains(expected);
        });
    }

    private static Peer.Result trace(SluiceHarness s, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("trace", "--config", s.dir.resolve("sluice.toml").toString()));
        all.addAll(List.of(args));
        return SluiceProcess.run(null, all.toArray(String[]::new));
    }

    @Test
    void showsReceptionEachAttemptTheOutcomesAndTheDsn() throws Exception {
        SluiceHarness s = deliveringNode();
        String id = s.sendMx("alice@example.test", "Subject: hello\nMessage-ID: <m1@example.test>\n\nHi\n",
                "bob@far.test", "nobody@far.test", "carol@example.test");
        s.awaitEmptyQueue(Duration.ofSeconds(20));
        // the log is written asynchronously: wait for the last events of the chain (the DSN delivered to alice)
        awaitLogged(s, "received(dsn)", "delivered alice@example.test", "delivered bob@far.test",
                "bounced nobody@far.test", "delivered carol@example.test");

        Peer.Result r = trace(s, id);
        assertThat(r.exit()).as(r.output()).isZero();
        String out = r.output();
        assertThat(out).contains("message " + id + " <m1@example.test>")
                .containsPattern("received +from <alice@example.test> to bob@far.test, nobody@far.test, carol@example.test, \\d+ bytes; client 127.0.0.1 on port " + s.mx)
                .containsPattern("delivered +bob@far.test via .*mx1.far.test \\[127.0.0.1\\]:\\d+.*: 250 .*\\(attempt 1, \\d+ ms\\)")
                .containsPattern("bounced +nobody@far.test .*550 5.1.1 No such user here")
                .containsPattern("dsn +queued as \\S+ <\\S+\\.dsn@mx.sluice.test> to alice@example.test")
                .contains("outcome:")
                .containsPattern("bob@far.test +delivered")
                .containsPattern("nobody@far.test +bounced \\(550 5.1.1 No such user here\\)")
                .containsPattern("carol@example.test +delivered");
        assertThat(out.indexOf("received")).isLessThan(out.indexOf("delivered"));

        Peer.Result byMessageId = trace(s, "m1@example.test");
        assertThat(byMessageId.exit()).isZero();
        assertThat(byMessageId.output()).contains("message " + id + " <m1@example.test>");
        assertThat(trace(s, "<m1@example.test>").output()).contains("message " + id);

        Peer.Result json = trace(s, id, "--json");
        assertThat(json.exit()).as(json.output()).isZero();
        JsonNode events = new ObjectMapper().readTree(json.output().substring(json.output().indexOf('[')));
        assertThat(events.isArray()).isTrue();
        List<String> kinds = new ArrayList<>();
        for (JsonNode e : events) kinds.add(e.path("event").asText() + (e.has("dsn_for") ? "(dsn)" : ""));
        assertThat(kinds.get(0)).isEqualTo("received");
        assertThat(kinds).contains("delivered", "bounced", "received(dsn)");
    }

    @Test
    void oneMessageIdQueuedTwiceShowsBothAndAnUnknownIdFails() throws Exception {
        SluiceHarness s = SluiceHarness.start("[\"127.0.0.0/8\"]", ""); // delivery paused: both stay pending
        closeLater.add(s);
        String a = s.sendMx("alice@example.test", "Message-ID: <twice@example.test>\n\nx\n", "bob@far.test");
        String b = s.sendMx("alice@example.test", "Message-ID: <twice@example.test>\n\nx\n", "bob@far.test");
        awaitLogged(s, "received " + a, "received " + b);

        Peer.Result r = trace(s, "<twice@example.test>");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("message " + a + " <twice@example.test>", "message " + b + " <twice@example.test>")
                .containsPattern("bob@far.test +still pending \\(no attempt yet\\)");

        Peer.Result unknown = trace(s, "nosuch@example.test");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.output().strip()).endsWith("no such message in the delivery log: nosuch@example.test");
        assertThat(unknown.output()).doesNotContain("Exception");
    }
}
