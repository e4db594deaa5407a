package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sluice.testkit.RedisServer;
import sluice.testkit.SluiceHarness;

/**
 * Two nodes on one redis-server: {@code GET /api/v1/cluster} lists both; when Redis is killed each node says it is
 * degraded in the API, the metrics and the alerts (once in the log), and shared again when Redis is back.
 */
class ClusterStateTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private RedisServer redis;
    private SluiceHarness a;
    private SluiceHarness b;

    @AfterEach
    void stop() throws Exception {
        if (a != null) a.close();
        if (b != null) b.close();
        if (redis != null) redis.close();
    }

    private static String cluster(RedisServer redis, String name) {
        return """
                [cluster]
                redis = "%s"
                node_name = "%s"
                timeout = "500ms"
                """.formatted(redis.url(), name);
    }

    private HttpResponse<String> get(SluiceHarness s, String path) throws Exception {
        String token = Files.readString(s.config().admin().tokenFile()).strip();
        return http.send(HttpRequest.newBuilder(URI.create("http://" + s.config().admin().address() + path))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode state(SluiceHarness s) throws Exception {
        HttpResponse<String> r = get(s, "/api/v1/cluster");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void bothNodesAreListedAndADeadRedisIsShownAsDegradedUntilItReturns() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        redis = RedisServer.start();
        a = SluiceHarness.start("[]", cluster(redis, "node-a"));
        b = SluiceHarness.start("[]", cluster(redis, "node-b"));
        await().atMost(Duration.ofSeconds(5)).until(() -> state(a).path("alive").asInt() == 2);
        JsonNode s = state(a);
        assertThat(s.path("mode").asText()).isEqualTo("redis");
        assertThat(s.path("node").asText()).isEqualTo("node-a");
        assertThat(s.path("state").asText()).isEqualTo("shared");
        assertThat(s.path("redis").asText()).isEqualTo(redis.url());
        assertThat(s.path("nodes").findValuesAsText("name")).containsExactly("node-a", "node-b");
        assertThat(get(a, "/metrics").body()).contains("sluice_cluster_degraded 0.0", "sluice_cluster_nodes_alive 2.0");

        redis.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> state(a).path("state").asText().equals("degraded")
                && state(b).path("state").asText().equals("degraded"));
        assertThat(state(a).path("degraded_share").asDouble()).isEqualTo(0.5);
        assertThat(get(a, "/metrics").body()).contains("sluice_cluster_degraded 1.0");
        assertThat(get(a, "/api/v1/stats").body()).contains("\"cluster\"", "Redis is unreachable");

        redis.restart();
        await().atMost(Duration.ofSeconds(10)).until(() -> state(a).path("state").asText().equals("shared")
                && state(b).path("state").asText().equals("shared"));
        assertThat(get(a, "/metrics").body()).contains("sluice_cluster_degraded 0.0");
    }

    @Test
    void aSingleNodeSaysSo() throws Exception {
        a = SluiceHarness.start();
        JsonNode s = state(a);
        assertThat(s.path("mode").asText()).isEqualTo("single");
        assertThat(s.path("state").asText()).isEqualTo("single");
        assertThat(s.path("node").asText()).isEqualTo("mx.sluice.test");
    }
}
