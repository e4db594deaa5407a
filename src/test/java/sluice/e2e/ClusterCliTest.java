package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sluice.testkit.RedisServer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;

/** {@code sluice cluster [--json]} against running nodes: the table, the API's answer, a degraded node, a single node. */
class ClusterCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
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

    @Test
    void printsTheNodesAndADeadRedis() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        redis = RedisServer.start();
        a = SluiceHarness.start("[]", cluster("node-a"));
        b = SluiceHarness.start("[]", cluster("node-b"));
        String config = a.dir.resolve("sluice.toml").toString();
        await().atMost(Duration.ofSeconds(5)).until(() -> a.node().cluster().membership().alive() == 2);

        SluiceProcess.Outcome table = SluiceProcess.runApart(null, "cluster", "--config", config);
        assertThat(table.exit()).as(table.stderr()).isZero();
        assertThat(table.stdout().lines().findFirst().orElseThrow())
                .startsWith("node node-a on " + redis.url() + ": shared (2 of 2 nodes alive; share while degraded 50%; ")
                .endsWith(" Redis calls)");
        assertThat(table.stdout().lines()).anySatisfy(l -> assertThat(l).startsWith("node-a *").contains(" yes "));
        assertThat(table.stdout().lines()).anySatisfy(l -> assertThat(l).startsWith("node-b ").contains(" yes "));
        SluiceProcess.Outcome json = SluiceProcess.runApart(null, "cluster", "--json", "--config", config);
        assertThat(json.exit()).as(json.stderr()).isZero();
        assertThat(JSON.readTree(json.stdout()).path("nodes").findValuesAsText("name")).containsExactly("node-a", "node-b");

        redis.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> a.node().cluster().health().degraded());
        SluiceProcess.Outcome degraded = SluiceProcess.runApart(null, "cluster", "--config", config);
        assertThat(degraded.exit()).as(degraded.stderr()).isZero();
        assertThat(degraded.stdout()).contains(": degraded (").contains("Redis unreachable since ")
                .contains("this node keeps to 50% of every shared limit");
    }

    @Test
    void aSingleNodeSaysSoInOneLine() throws Exception {
        a = SluiceHarness.start();
        Path config = a.dir.resolve("sluice.toml");
        SluiceProcess.Outcome out = SluiceProcess.runApart(null, "cluster", "--config", config.toString());
        assertThat(out.exit()).as(out.stderr()).isZero();
        assertThat(out.stdout().strip()).isEqualTo("single node mx.sluice.test ([cluster] redis is not set): nothing is shared");
    }
}
