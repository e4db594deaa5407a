package sluice.send;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sluice.testkit.TempDirs;

/**
 * The campaign's requests as a send API sees them, against a recording stand-in: the Idempotency-Key of a row is the
 * same in every run of the same campaign and differs between rows (the crash path after the send API's
 * idempotency is merged); a 429 is retried with the same key; a suppressed answer is counted as suppressed.
 */
class CampaignTest {
    private HttpServer server;
    private final List<String> keys = Collections.synchronizedList(new ArrayList<>());
    private final List<String> recipients = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger limited = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/v1/messages", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            String to = ex.getRequestURI().getQuery() == null ? "" : java.net.URLDecoder.decode(
                    ex.getRequestURI().getQuery().replaceFirst("^to=", ""), StandardCharsets.UTF_8);
            int status;
            String answer;
            if (!"Bearer sk_test".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                status = 401;
                answer = "{\"error\": \"wrong API key\"}";
            } else if (body.length == 0) {
                status = 400;
                answer = "{\"error\": \"no sender\"}";
            } else if (to.startsWith("busy") && limited.getAndIncrement() == 0) {
                ex.getResponseHeaders().add("Retry-After", "1");
                status = 429;
                answer = "{\"error\": \"slow down\"}";
            } else if (to.startsWith("gone")) {
                status = 400;
                answer = "{\"error\": \"\\\"to\\\": " + to + ": 550 Recipient address suppressed: bounced\"}";
            } else {
                keys.add(ex.getRequestHeaders().getFirst("Idempotency-Key"));
                recipients.add(to);
                status = 202;
                answer = "{\"id\": \"x\"}";
            }
            byte[] out = answer.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private Campaign.Counts run(Path csv, RawTemplate t, String key) throws Exception {
        URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/messages");
        Campaign c = new Campaign(new Campaign.Settings(endpoint, key, 4, null, "sluice-campaign1"));
        assertThat(c.probe()).isInstanceOf(Campaign.Probe.Ready.class);
        Files.deleteIfExists(CampaignJournal.pathFor(csv));
        try (CampaignList list = CampaignList.open(csv); CampaignJournal j = CampaignJournal.create(csv, "a", "b")) {
            Campaign.End end = c.run(list, j, t, new AtomicBoolean(), (row, reason) -> { });
            assertThat(end).isInstanceOf(Campaign.End.Finished.class);
        }
        return c.counts();
    }

    @Test
    void eachRowHasOneIdempotencyKeyInEveryRunAndLimitsAreWaitedOut() throws Exception {
        Path dir = TempDirs.dir("campaign");
        Path csv = dir.resolve("list.csv");
        Files.writeString(csv, "email\na1@x.test\nbusy2@x.test\ngone3@x.test\na4@x.test\n");
        RawTemplate t = RawTemplate.parse("From: news@x.test\nSubject: hi\n\nhello {{email}}\n".getBytes(StandardCharsets.UTF_8));

        Campaign.Counts first = run(csv, t, "sk_test");
        assertThat(first.accepted.get()).isEqualTo(3);
        assertThat(first.suppressed.get()).isEqualTo(1);
        assertThat(first.refused.get()).isZero();
        assertThat(limited.get()).isEqualTo(2); // refused once with 429, then taken
        assertThat(recipients).containsExactlyInAnyOrder("a1@x.test", "busy2@x.test", "a4@x.test");
        List<String> firstKeys = List.copyOf(keys);
        assertThat(firstKeys).containsExactlyInAnyOrder("sluice-campaign1-1", "sluice-campaign1-2", "sluice-campaign1-4");

        keys.clear();
        run(csv, t, "sk_test");
        assertThat(keys).containsExactlyInAnyOrderElementsOf(firstKeys);
    }

    @Test
    void aKeyTheServerRefusesIsToldApart() throws Exception {
        URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/messages");
        Campaign c = new Campaign(new Campaign.Settings(endpoint, "sk_wrong", 4, null, "c"));
        assertThat(c.probe()).isInstanceOf(Campaign.Probe.KeyRefused.class);
    }
}
