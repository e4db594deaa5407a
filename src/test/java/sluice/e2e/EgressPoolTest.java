package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sluice.auth.UserStore;
import sluice.spool.QueuedMessage;
import sluice.testkit.Dialog;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TestDnsServer;

/**
 * Choosing the egress pool per message: an X-Sluice-Pool header (trusted or authenticated senders only, always
 * removed), pool_by_user, the send API's "pool" member; and the delivery that follows leaves from the pool's
 * source, says its EHLO name and logs egress_source and egress_ip.
 */
class EgressPoolTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EGRESS = """
            [[egress.sources]]
            name = "ip1"
            address = "127.0.0.2"
            ehlo = "out1.sluice.test"

            [[egress.sources]]
            name = "ip2"
            address = "127.0.0.3"
            ehlo = "out2.sluice.test"

            [[egress.pools]]
            name = "p1"
            sources = ["ip1"]

            [[egress.pools]]
            name = "p2"
            sources = ["ip2"]

            [egress]
            pool_by_user = { "alice@example.test" = "p1" }
            """;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    private <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    private static String message(String header) {
        return (header == null ? "" : "X-Sluice-Pool: " + header + "\n") + "Subject: pool\n\nbody\n";
    }

    private static String dataOf(SluiceHarness s, QueuedMessage m) throws Exception {
        return new String(s.spool().readData(m.id()).orElseThrow(), StandardCharsets.UTF_8);
    }

    @Test
    void trustedClientChoosesThePoolByHeaderAndAnUnknownPoolIsRefusedAtData() throws Exception {
        SluiceHarness s = later(SluiceHarness.start("[\"127.0.0.0/8\"]", EGRESS));
        s.sendMx("bob@example.test", message("p2"), "carol@far.test");
        QueuedMessage m = s.queue().getFirst();
        assertThat(m.envelope().pool()).isEqualTo("p2");
        assertThat(dataOf(s, m)).doesNotContainIgnoringCase("X-Sluice-Pool").contains("Subject: pool");

        try (Dialog d = new Dialog(s.mx)) {
            d.expect();
            d.ask("EHLO client.test");
            d.ask("MAIL FROM:<bob@example.test>");
            d.ask("RCPT TO:<carol@far.test>");
            d.ask("DATA");
            assertThat(d.ask(message("p3").replace("\n", "\r\n") + "\r\n."))
                    .startsWith("550 5.7.1 Unknown egress pool \"p3\" in X-Sluice-Pool");
        }
        assertThat(s.queue()).hasSize(1);
    }

    @Test
    void untrustedClientsHeaderIsRemovedAndIgnoredButAnAuthenticatedSendersCounts() throws Exception {
        SluiceHarness s = later(SluiceHarness.start("[]", EGRESS));
        s.sendMx("bob@remote.test", message("p2"), "alice@example.test");
        QueuedMessage m = s.queue().getFirst();
        assertThat(m.envelope().pool()).isNull();
        assertThat(dataOf(s, m)).doesNotContainIgnoringCase("X-Sluice-Pool");

        try (Dialog d = Dialog.startTls(s.submission)) {
            d.login(SluiceHarness.USER, SluiceHarness.PASSWORD);
            d.ask("MAIL FROM:<alice@example.test>");
            d.ask("RCPT TO:<carol@far.test>");
            d.ask("DATA");
            assertThat(d.ask(message("p2").replace("\n", "\r\n") + "\r\n.")).startsWith("250");
        }
        QueuedMessage submitted = s.queue().stream().filter(q -> !q.id().equals(m.id())).findFirst().orElseThrow();
        assertThat(submitted.envelope().pool()).isEqualTo("p2");
        assertThat(dataOf(s, submitted)).doesNotContainIgnoringCase("X-Sluice-Pool");
    }

    @Test
    void sendApiPoolMemberChoosesThePoolAndAnUnknownOneIs400() throws Exception {
        SluiceHarness s = later(SluiceHarness.start("[]", EGRESS));
        String key = UserStore.open(s.dataDir()).createApiKey(SluiceHarness.USER);
        HttpClient http = HttpClient.newHttpClient();
        String url = "http://" + s.config().admin().address() + "/api/v1/messages";
        HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"from\":\"alice@example.test\",\"to\":\"carol@far.test\",\"subject\":\"s\",\"text\":\"t\",\"pool\":\"p2\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
        assertThat(s.queue().getFirst().envelope().pool()).isEqualTo("p2");

        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"from\":\"alice@example.test\",\"to\":\"carol@far.test\",\"subject\":\"s\",\"text\":\"t\",\"pool\":\"p9\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("error").asText()).contains("\"pool\"").contains("p9");
        assertThat(s.queue()).hasSize(1);
    }

    @Test
    void deliveryLeavesFromTheChosenSourceWithItsEhloAndLogsIt() throws Exception {
        TestDnsServer dns = later(TestDnsServer.start());
        FakeSmtpServer remote = later(FakeSmtpServer.start(x -> {}));
        dns.mx("far.test", 10, "mx1.far.test").a("mx1.far.test", "127.0.0.1");
        SluiceHarness s = later(SluiceHarness.start("[\"127.0.0.0/8\"]", EGRESS + """
                [delivery]
                mx_port = %d
                dns_servers = ["%s"]
                connect_timeout = "2s"
                retry_schedule = ["1h"]
                """.formatted(remote.port(), dns.address())));
        s.sendMx("bob@example.test", message("p2"), "carol@far.test");
        try (Dialog d = Dialog.startTls(s.submission)) { // pool_by_user: alice leaves from p1
            d.login(SluiceHarness.USER, SluiceHarness.PASSWORD);
            d.ask("MAIL FROM:<alice@example.test>");
            d.ask("RCPT TO:<dave@far.test>");
            d.ask("DATA");
            assertThat(d.ask("Subject: by user\r\n\r\nx\r\n.")).startsWith("250");
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(remote.messages()).hasSize(2));
        for (FakeSmtpServer.Received r : remote.messages()) {
            assertThat(r.text()).doesNotContainIgnoringCase("X-Sluice-Pool");
            String rcpt = r.recipients().getFirst().address();
            String peer = remote.peer(r.connection());
            assertThat(peer).as(rcpt).isEqualTo(rcpt.startsWith("carol") ? "127.0.0.3" : "127.0.0.2");
            assertThat(remote.ehloName(r.connection())).isEqualTo(rcpt.startsWith("carol") ? "out2.sluice.test" : "out1.sluice.test");
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<JsonNode> delivered = new ArrayList<>();
            for (String line : Files.readAllLines(s.deliveryLog())) {
                JsonNode n = JSON.readTree(line);
                if (n.path("event").asText().equals("delivered")) delivered.add(n);
            }
            assertThat(delivered).hasSize(2);
            for (JsonNode n : delivered) {
                boolean carol = n.path("recipient").asText().startsWith("carol");
                assertThat(n.path("egress_source").asText()).isEqualTo(carol ? "ip2" : "ip1");
                assertThat(n.path("egress_ip").asText()).isEqualTo(carol ? "127.0.0.3" : "127.0.0.2");
            }
        });
    }
}
