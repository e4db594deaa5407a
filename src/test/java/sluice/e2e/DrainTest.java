package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sluice.admin.DrainPage;
import sluice.spool.QueuedMessage;
import sluice.testkit.Dialog;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TestDnsServer;

/**
 * {@code POST /api/v1/drain} on a real node: the listeners refuse new connections at once, a session in flight
 * finishes, the send API answers 503, deferred mail is retried at once, and the drain ends when the queue is empty;
 * with the MX down it hands the queue over to a second node (each message arrives there once and leaves this
 * spool), or at the timeout leaves it on the spool for a restart.
 */
class DrainTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private TestDnsServer dns;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @BeforeEach
    void dns() {
        // TTL 0: the MX host's address can change between attempts ("the MX comes back")
        dns = TestDnsServer.start().ttl(0);
        // 127.0.0.2: nothing listens there (the fake MX is on 127.0.0.1), so the MX is down until the record moves
        dns.mx("far.test", 10, "mx1.far.test").a("mx1.far.test", "127.0.0.2");
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

    private SluiceHarness node(int mxPort) throws Exception {
        return later(SluiceHarness.start("[\"127.0.0.0/8\"]", """
                [delivery]
                mx_port = %d
                dns_servers = ["%s"]
                connect_timeout = "2s"
                reply_timeout = "5s"
                retry_schedule = ["1h"]
                """.formatted(mxPort, dns.address())));
    }

    private static HttpResponse<String> api(SluiceHarness s, String method, String path, String body) throws Exception {
        String token = Files.readString(s.config().admin().tokenFile()).strip();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.adminBase() + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends {@code n} messages to bob@far.test; returns their Message-IDs. */
    private static List<String> queue(SluiceHarness s, String tag, int n) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String mid = "<" + tag + i + "@example.test>";
            s.sendMx("alice@example.test", "Subject: drain " + i + "\nMessage-ID: " + mid + "\n\nbody " + i + "\n", "bob@far.test");
            ids.add(mid);
        }
        return ids;
    }

    /** Waits until every queued message has had its first (failed) attempt: all scheduled for the retry in 1 h. */
    private static void awaitDeferred(SluiceHarness s, int n) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(s.scheduler().countsByState()).containsEntry("scheduled", (long) n));
    }

    private static void assertRefused(int port) {
        assertThatThrownBy(() -> {
            try (Socket c = new Socket()) {
                c.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            }
        }).isInstanceOf(ConnectException.class);
    }

    private static Map<String, Long> byMessageId(List<String> texts) {
        return texts.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    private static String messageId(String text) {
        return text.lines().filter(l -> l.regionMatches(true, 0, "Message-ID:", 0, 11)).findFirst()
                .map(l -> l.substring(11).strip()).orElse(null);
    }

    @Test
    void withTheMxBackEveryMessageIsDeliveredOnceAndTheDrainEnds() throws Exception {
        FakeSmtpServer mx = later(FakeSmtpServer.start(b -> b.ehlo("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES")));
        SluiceHarness s = node(mx.port());
        List<String> ids = queue(s, "up", 5);
        String held = s.sendMx("alice@example.test", "Subject: held\nMessage-ID: <held@example.test>\n\nheld\n", "bob@far.test");
        awaitDeferred(s, 6);
        assertThat(api(s, "POST", "/api/v1/queue/" + held + "/hold", null).statusCode()).isEqualTo(200);
        dns.remove("mx1.far.test").a("mx1.far.test", "127.0.0.1"); // the MX is back; the retry is an hour away

        Dialog inFlight = new Dialog(s.mx); // a session that has begun a transaction before the drain
        inFlight.expect();
        inFlight.ask("EHLO client.test");
        assertThat(inFlight.ask("MAIL FROM:<alice@example.test>")).startsWith("250");
        assertThat(inFlight.ask("RCPT TO:<bob@far.test>")).startsWith("250");

        HttpResponse<String> started = api(s, "POST", "/api/v1/drain", "{\"timeout\": \"2m\"}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        assertThat(JSON.readTree(started.body()).path("draining").asBoolean()).isTrue();
        assertRefused(s.mx);
        assertRefused(s.submission);
        HttpResponse<String> send = HTTP.send(HttpRequest.newBuilder(URI.create(s.adminBase() + "/api/v1/messages"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(send.statusCode()).isEqualTo(503);
        assertThat(send.body()).contains("node is draining");
        HttpResponse<String> again = api(s, "POST", "/api/v1/drain", null);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).path("started").asBoolean()).isFalse();

        // the queue is delivered, but the drain waits for the session in flight, which finishes normally
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> mx.messages().size() == 5);
        Thread.sleep(1000); // four of the drain's looks at the queue (every 250 ms): none may end it
        assertThat(s.drained()).as("a transaction in flight").isNotDone();
        assertThat(inFlight.ask("DATA")).startsWith("354");
        assertThat(inFlight.ask("Subject: late\r\nMessage-ID: <late@example.test>\r\n\r\nlate\r\n.")).startsWith("250");
        inFlight.ask("QUIT");
        inFlight.close();

        DrainPage.Status end = s.drained().get(60, TimeUnit.SECONDS);
        assertThat(end.endReason()).as("held messages are not waited for").isEqualTo("queue empty");
        assertThat(end.queued()).isEqualTo(1);
        assertThat(end.held()).isEqualTo(1);
        assertThat(end.delivered()).isEqualTo(6);
        List<String> expected = new ArrayList<>(ids);
        expected.add("<late@example.test>");
        Map<String, Long> seen = byMessageId(mx.messages().stream().map(m -> messageId(m.text())).toList());
        assertThat(seen).containsOnlyKeys(expected).allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo(1L));
        assertThat(s.queue()).extracting(QueuedMessage::id).containsExactly(held);
        JsonNode state = JSON.readTree(api(s, "GET", "/api/v1/drain", null).body());
        assertThat(state.path("phase").asText()).isEqualTo("ended");
        assertThat(state.path("delivered").asLong()).isEqualTo(6);
    }

    @Test
    void withTheMxDownTheQueueIsHandedOverToAnotherNodeOnceEach() throws Exception {
        SluiceHarness peer = later(SluiceHarness.start("[\"127.0.0.0/8\"]", "")); // delivery paused: what it gets stays queued
        SluiceHarness s = node(FakeSmtpServer.closedAddress().getPort());
        List<String> ids = queue(s, "over", 6);
        // one message with a DSN envelope that must travel with it
        try (Dialog d = new Dialog(s.mx)) {
            d.expect();
            d.ask("EHLO client.test");
            assertThat(d.ask("MAIL FROM:<alice@example.test> RET=HDRS ENVID=env-42")).startsWith("250");
            assertThat(d.ask("RCPT TO:<bob@far.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@far.test")).startsWith("250");
            d.ask("DATA");
            assertThat(d.ask("Subject: dsn\r\nMessage-ID: <dsn@example.test>\r\n\r\nx\r\n.")).startsWith("250");
        }
        ids.add("<dsn@example.test>");
        awaitDeferred(s, 7);

        HttpResponse<String> started = api(s, "POST", "/api/v1/drain",
                "{\"timeout\": \"1s\", \"handover\": \"127.0.0.1:" + peer.mx + "\"}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        DrainPage.Status end = s.drained().get(60, TimeUnit.SECONDS);

        assertThat(end.endReason()).isEqualTo("handover done");
        assertThat(end.handedOver()).isEqualTo(7);
        assertThat(s.queue()).as("the drained node's spool").isEmpty();
        List<QueuedMessage> there = peer.queue();
        Map<String, Long> seen = byMessageId(there.stream().map(m -> m.envelope().attributes().get("message_id")).toList());
        assertThat(seen).containsOnlyKeys(ids).allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo(1L));
        QueuedMessage dsn = there.stream().filter(m -> "<dsn@example.test>".equals(m.envelope().attributes().get("message_id")))
                .findFirst().orElseThrow();
        assertThat(dsn.envelope().attributes()).containsEntry("envid", "env-42").containsEntry("ret", "HDRS");
        assertThat(dsn.envelope().recipients().getFirst().notifyOn()).isEqualTo("SUCCESS,FAILURE");

        List<JsonNode> log = new ArrayList<>();
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            log.clear();
            for (String line : Files.readAllLines(s.deliveryLog())) log.add(JSON.readTree(line));
            assertThat(log).filteredOn(n -> n.path("event").asText().equals("delivered")).hasSize(7);
        });
        assertThat(log).filteredOn(n -> n.path("event").asText().equals("delivered")).allSatisfy(n -> {
            assertThat(n.path("remote_host").asText()).isEqualTo("127.0.0.1");
            assertThat(n.path("remote_port").asInt()).isEqualTo(peer.mx);
            assertThat(n.path("text").asText()).startsWith("handed over to 127.0.0.1:" + peer.mx + " (drain)");
        });
    }

    @Test
    void aPeerThatRefusesLeavesTheMessagesQueuedHere() throws Exception {
        FakeSmtpServer refusing = later(FakeSmtpServer.start(b -> b.ehlo("PIPELINING", "ENHANCEDSTATUSCODES")
                .dataReply(451, "4.3.0 not now")));
        SluiceHarness s = node(FakeSmtpServer.closedAddress().getPort());
        queue(s, "refused", 3);
        awaitDeferred(s, 3);

        HttpResponse<String> started = api(s, "POST", "/api/v1/drain",
                "{\"timeout\": \"10m\", \"handover\": \"127.0.0.1:" + refusing.port() + "\", \"handover_now\": true}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        DrainPage.Status end = s.drained().get(60, TimeUnit.SECONDS);

        assertThat(end.endReason()).isEqualTo("handover done");
        // each was offered once, and refused
        assertThat(refusing.messages()).hasSize(3).allSatisfy(m -> assertThat(m.replyCode()).isEqualTo(451));
        assertThat(end.handedOver()).isZero();
        assertThat(end.queued()).isEqualTo(3);
        assertThat(s.queue()).hasSize(3);
    }

    @Test
    void aPeerThatRefusesPermanentlyBouncesNothing() throws Exception {
        FakeSmtpServer untrusting = later(FakeSmtpServer.start(b -> b.ehlo("PIPELINING", "ENHANCEDSTATUSCODES")
                .rcptReply("bob@far.test", 550, "5.7.1 Relaying denied")));
        SluiceHarness s = node(FakeSmtpServer.closedAddress().getPort());
        queue(s, "denied", 2);
        awaitDeferred(s, 2);
        assertThat(api(s, "POST", "/api/v1/drain", "{\"handover\": \"127.0.0.1:" + untrusting.port()
                + "\", \"handover_now\": true}").statusCode()).isEqualTo(202);
        DrainPage.Status end = s.drained().get(60, TimeUnit.SECONDS);

        assertThat(untrusting.commands()).filteredOn(c -> c.startsWith("RCPT TO")).hasSize(2);
        assertThat(end.queued()).isEqualTo(2);
        assertThat(s.queue()).hasSize(2).allSatisfy(m -> assertThat(m.envelope().recipients().getFirst().state())
                .isEqualTo(sluice.spool.RecipientState.PENDING));
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Files.readAllLines(s.deliveryLog()))
                .filteredOn(l -> l.contains("Relaying denied")).hasSize(2).allMatch(l -> l.contains("\"event\":\"deferred\"")));
        assertThat(Files.readAllLines(s.deliveryLog())).noneMatch(l -> l.contains("\"event\":\"bounced\""));
    }

    @Test
    void withTheMxDownAndNoHandoverTheTimeoutLeavesTheQueueOnTheSpool() throws Exception {
        SluiceHarness s = node(FakeSmtpServer.closedAddress().getPort());
        List<String> ids = queue(s, "kept", 4);
        awaitDeferred(s, 4);
        long t0 = System.nanoTime();
        assertThat(api(s, "POST", "/api/v1/drain", "{\"timeout\": \"2s\"}").statusCode()).isEqualTo(202);
        DrainPage.Status end = s.drained().get(60, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(end.endReason()).isEqualTo("timeout");
        assertThat(end.queued()).isEqualTo(4);
        assertThat(end.delivered()).isZero();
        java.nio.file.Path dir = s.dir;
        s.close();
        closeLater.remove(s);

        // the same data dir, started again: the messages are there, deferred
        SluiceHarness again = later(SluiceHarness.startIn(dir, "[\"127.0.0.0/8\"]", """
                [delivery]
                mx_port = %d
                dns_servers = ["%s"]
                retry_schedule = ["1h"]
                """.formatted(FakeSmtpServer.closedAddress().getPort(), dns.address())));
        assertThat(again.queue()).extracting(m -> m.envelope().attributes().get("message_id"))
                .containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void badRequestsAreRefusedWithoutStartingADrain() throws Exception {
        SluiceHarness s = node(FakeSmtpServer.closedAddress().getPort());
        assertThat(api(s, "POST", "/api/v1/drain", "{\"timeout\": \"soon\"}").statusCode()).isEqualTo(400);
        assertThat(api(s, "POST", "/api/v1/drain", "{\"handover\": \"mx.peer.test:25\"}").body()).contains("literal IP");
        assertThat(api(s, "POST", "/api/v1/drain", "{\"handover_now\": true}").statusCode()).isEqualTo(400);
        assertThat(api(s, "POST", "/api/v1/drain", "{\"timout\": \"1m\"}").body()).contains("unknown member");
        assertThat(JSON.readTree(api(s, "GET", "/api/v1/drain", null).body()).path("draining").asBoolean()).isFalse();
        try (Dialog d = new Dialog(s.mx)) {
            assertThat(d.expect()).startsWith("220"); // still accepting
        }
    }
}
