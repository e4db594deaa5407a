package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sluice.auth.UserStore;
import sluice.testkit.RedisServer;
import sluice.testkit.SluiceHarness;

/**
 * Idempotency-Key across two nodes on one Redis: the key sent to node A and then to node B gets A's answer from B,
 * and only A queues the message; another request with the key is refused on B; while Redis is down each node
 * keeps to its own records.
 */
class ClusterIdempotencyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String BODY = "{\"from\":\"alice@example.test\",\"to\":\"bob@remote.test\",\"subject\":\"once\",\"text\":\"x\"}";
    private RedisServer redis;
    private SluiceHarness a;
    private SluiceHarness b;

    @AfterEach
    void stop() throws Exception {
        if (a != null) a.close();
        if (b != null) b.close();
        if (redis != null) redis.close();
    }

    private String cluster(String name) {
        return """
                [cluster]
                redis = "%s"
                node_name = "%s"
                timeout = "1s"
                """.formatted(redis.url(), name);
    }

    private static HttpResponse<String> send(SluiceHarness s, String apiKey, String body, String idempotencyKey)
            throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + s.config().admin().address() + "/api/v1/messages"))
                .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
                .header("Idempotency-Key", idempotencyKey).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String state(SluiceHarness s) throws Exception {
        String token = Files.readString(s.config().admin().tokenFile()).strip();
        String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + s.config().admin().address() + "/api/v1/cluster"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body();
        return JSON.readTree(body).path("state").asText();
    }

    @Test
    void aKeySentToANodeThenToAnotherGetsTheFirstAnswerAndQueuesOnce() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        redis = RedisServer.start();
        a = SluiceHarness.start("[]", cluster("node-a"));
        b = SluiceHarness.start("[]", cluster("node-b"));
        String keyA = UserStore.open(a.dataDir()).createApiKey(SluiceHarness.USER);
        String keyB = UserStore.open(b.dataDir()).createApiKey(SluiceHarness.USER);
        await().atMost(Duration.ofSeconds(5)).until(() -> state(a).equals("shared") && state(b).equals("shared"));

        HttpResponse<String> first = send(a, keyA, BODY, "order-1");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        HttpResponse<String> onB = send(b, keyB, BODY, "order-1");
        assertThat(onB.statusCode()).as(onB.body()).isEqualTo(202);
        assertThat(onB.body()).isEqualTo(first.body());
        assertThat(onB.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(a.queue()).hasSize(1);
        assertThat(b.queue()).isEmpty();
        // and back on A (its own record), and on B again (from Redis: B keeps no record of a key it did not run)
        assertThat(send(a, keyA, BODY, "order-1").body()).isEqualTo(first.body());
        assertThat(send(b, keyB, BODY, "order-1").body()).isEqualTo(first.body());
        HttpResponse<String> changed = send(b, keyB, BODY.replace("once", "twice"), "order-1");
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(422);
        assertThat(a.queue()).hasSize(1);
        assertThat(b.queue()).isEmpty();

        // a key first used on B is B's
        HttpResponse<String> second = send(b, keyB, BODY, "order-2");
        assertThat(second.statusCode()).isEqualTo(202);
        assertThat(send(a, keyA, BODY, "order-2").body()).isEqualTo(second.body());
        assertThat(a.queue()).hasSize(1);
        assertThat(b.queue()).hasSize(1);

        // Redis down: each node answers from its own records (documented: keys are per node meanwhile)
        redis.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> state(a).equals("degraded"));
        long started = System.nanoTime();
        HttpResponse<String> duringOutage = send(a, keyA, BODY, "order-3");
        assertThat(duringOutage.statusCode()).isEqualTo(202);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        assertThat(send(a, keyA, BODY, "order-3").body()).isEqualTo(duringOutage.body());
        assertThat(send(a, keyA, BODY, "order-1").body()).isEqualTo(first.body()); // A's own record
        assertThat(a.queue()).hasSize(2);
    }
}
