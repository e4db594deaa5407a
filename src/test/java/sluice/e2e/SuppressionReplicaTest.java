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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sluice.policy.SuppressionList;
import sluice.testkit.Dialog;
import sluice.testkit.RedisServer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TempDirs;

/**
 * The suppression list in cluster mode: an address suppressed through node A's API is refused at RCPT on node B
 * within a second, a removal too; a node that joins later gets the whole list (and brings its own); while Redis is
 * down a change stays on its node (kept on disk across a restart) and reaches the others when Redis returns.
 */
class SuppressionReplicaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRUSTED = "[\"127.0.0.0/8\"]";
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<SluiceHarness> nodes = new ArrayList<>();
    private RedisServer redis;

    @BeforeEach
    void redis() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        redis = RedisServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (SluiceHarness n : nodes) n.close();
        if (redis != null) redis.close();
    }

    private String cluster(String name) {
        return """
                [cluster]
                redis = "%s"
                node_name = "%s"
                timeout = "1s"
                [limits]
                max_errors = 10000
                """.formatted(redis.url(), name);
        // a 550 counts as an error and the tests ask RCPT again and again; a 1 s timeout: a busy machine (another
        // JVM starting) can hold a Redis answer beyond 100 ms, and a degraded node would stop replicating
    }

    private SluiceHarness node(String name) throws Exception {
        return node(TempDirs.dir("sluice-it"), name);
    }

    private SluiceHarness node(Path dir, String name) throws Exception {
        SluiceHarness n = SluiceHarness.startIn(dir, TRUSTED, cluster(name));
        nodes.add(n);
        return n;
    }

    private HttpResponse<String> api(SluiceHarness s, String method, String path, String body) throws Exception {
        String token = Files.readString(s.config().admin().tokenFile()).strip();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + s.config().admin().address() + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String state(SluiceHarness s) throws Exception {
        JsonNode n = JSON.readTree(api(s, "GET", "/api/v1/cluster", null).body());
        return n.path("state").asText() + "/" + n.path("alive").asInt();
    }

    /** C: RCPT TO:<address>  S: 250 or 550, as the node's SMTP listener answers it now. */
    private static String rcpt(Dialog d, String address) throws Exception {
        return d.ask("RCPT TO:<" + address + ">");
    }

    private static Dialog transaction(SluiceHarness s) throws Exception {
        Dialog d = new Dialog(s.mx);
        d.expect();
        d.ask("EHLO c.test");
        assertThat(d.ask("MAIL FROM:<x@example.test>")).startsWith("250");
        return d;
    }

    private static String metric(String scrape, String name) {
        return scrape.lines().filter(l -> l.startsWith(name + " ")).findFirst().orElse(name + " absent");
    }

    @Test
    void addedThroughOneNodeIsRefusedOnTheOtherWithinASecondAndSoIsARemoval() throws Exception {
        SluiceHarness a = node("node-a");
        SluiceHarness b = node("node-b");
        await().atMost(Duration.ofSeconds(5)).until(() -> state(a).equals("shared/2") && state(b).equals("shared/2"));
        try (Dialog onB = transaction(b)) {
            assertThat(rcpt(onB, "spamtrap@far.test")).startsWith("250");

            HttpResponse<String> added = api(a, "POST", "/api/v1/suppression",
                    "{\"address\":\"spamtrap@far.test\",\"reason\":\"complaint\"}");
            assertThat(added.statusCode()).as(added.body()).isIn(200, 201);
            Instant answered = Instant.now();
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                    .until(() -> rcpt(onB, "spamtrap@far.test").startsWith("550"));
            long millis = Duration.between(answered, Instant.now()).toMillis();
            assertThat(rcpt(onB, "spamtrap@far.test")).contains("complaint");
            System.out.println("suppression replicated A -> B (RCPT refused on B) " + millis + " ms after A answered");

            HttpResponse<String> removed = api(a, "DELETE", "/api/v1/suppression/spamtrap@far.test", null);
            assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                    .until(() -> rcpt(onB, "spamtrap@far.test").startsWith("250"));
        }
        // a hard bounce's entry (offered on a delivery thread) travels the same way, and only for its sending domain
        a.suppressions().offer("example.test", "gone@far.test", "hard bounce 550 5.1.1");
        await().atMost(Duration.ofSeconds(1)).until(() -> b.suppressions().isSuppressed("example.test", "gone@far.test"));
        assertThat(b.suppressions().isSuppressed("other.test", "gone@far.test")).isFalse();
        assertThat(redis.cli("HGET", "sluice:{suppression}:entries", "example.test:gone@far.test"))
                .contains("hard bounce 550 5.1.1");
        assertThat(metric(api(b, "GET", "/metrics", null).body(), "sluice_suppression_replica_applied_total"))
                .isNotEqualTo("sluice_suppression_replica_applied_total 0.0");
    }

    @Test
    void aLargeImportReachesTheOtherNodeInSeconds() throws Exception {
        SluiceHarness a = node("node-a");
        SluiceHarness b = node("node-b");
        await().atMost(Duration.ofSeconds(5)).until(() -> state(a).equals("shared/2") && state(b).equals("shared/2"));
        List<SuppressionList.Entry> many = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) many.add(SuppressionList.entry("*", "bulk" + i + "@far.test", "import", Instant.now()));
        long calls = a.node().cluster().redis().calls();
        long started = System.nanoTime();
        a.suppressions().putAll(many);
        long stored = System.nanoTime();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> b.suppressions().size() == 20_000);
        long done = System.nanoTime();
        for (int i = 0; i < 20_000; i += 997) assertThat(b.suppressions().isSuppressed(null, "bulk" + i + "@far.test")).isTrue();
        System.out.printf("20,000-entry import: stored on A in %d ms, all on B %d ms later; A made %d Redis calls meanwhile%n",
                (stored - started) / 1_000_000, (done - stored) / 1_000_000, a.node().cluster().redis().calls() - calls);
    }

    @Test
    void aNodeThatJoinsLaterGetsTheWholeListAndBringsItsOwn() throws Exception {
        // C was a single node with an entry of its own before it joined
        Path cDir = TempDirs.dir("sluice-it");
        try (SluiceHarness single = SluiceHarness.startIn(cDir, TRUSTED, "")) {
            single.suppressions().add("*", "own@far.test", "from before the cluster");
        }
        SluiceHarness a = node("node-a");
        List<SuppressionList.Entry> many = new ArrayList<>();
        for (int i = 0; i < 1_234; i++) {
            many.add(SuppressionList.entry("*", "user" + i + "@far.test", "import", Instant.now()));
        }
        a.suppressions().putAll(many); // more than one batch, one HSCAN page and one sync page
        await().atMost(Duration.ofSeconds(5))
                .until(() -> redis.cli("HLEN", "sluice:{suppression}:entries").strip().equals("1234"));

        SluiceHarness c = node(cDir, "node-c");
        await().atMost(Duration.ofSeconds(5)).until(() -> c.suppressions().size() == 1_235);
        for (int i = 0; i < 1_234; i++) assertThat(c.suppressions().isSuppressed(null, "user" + i + "@far.test")).isTrue();
        await().atMost(Duration.ofSeconds(1)).until(() -> a.suppressions().isSuppressed(null, "own@far.test"));
        assertThat(a.suppressions().find(null, "own@far.test").reason()).isEqualTo("from before the cluster");
        try (Dialog onC = transaction(c)) {
            assertThat(rcpt(onC, "user1233@far.test")).startsWith("550");
        }
    }

    @Test
    void whileRedisIsDownAChangeStaysLocalSurvivesARestartAndReachesTheOthersWhenRedisReturns() throws Exception {
        Path aDir = TempDirs.dir("sluice-it");
        SluiceHarness a = node(aDir, "node-a");
        SluiceHarness b = node("node-b");
        await().atMost(Duration.ofSeconds(5)).until(() -> state(a).equals("shared/2") && state(b).equals("shared/2"));
        b.suppressions().add("*", "before@far.test", "added before the outage");
        await().atMost(Duration.ofSeconds(1)).until(() -> a.suppressions().isSuppressed(null, "before@far.test"));

        redis.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> state(a).startsWith("degraded") && state(b).startsWith("degraded"));
        long started = System.nanoTime();
        HttpResponse<String> added = api(a, "POST", "/api/v1/suppression",
                "{\"address\":\"during@far.test\",\"reason\":\"added while Redis was down\"}");
        assertThat(added.statusCode()).as(added.body()).isIn(200, 201);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1)); // never waits on Redis
        try (Dialog onA = transaction(a)) {
            assertThat(rcpt(onA, "during@far.test")).startsWith("550");
        }
        assertThat(api(a, "DELETE", "/api/v1/suppression/before@far.test", null).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(2)).until(() -> metric(api(a, "GET", "/metrics", null).body(),
                "sluice_suppression_replica_waiting").equals("sluice_suppression_replica_waiting 2.0"));
        assertThat(b.suppressions().isSuppressed(null, "during@far.test")).isFalse();

        // A restarts while Redis is still down: what waited for Redis was kept on disk
        a.close();
        nodes.remove(a);
        SluiceHarness a2 = node(aDir, "node-a");
        assertThat(a2.suppressions().isSuppressed(null, "during@far.test")).isTrue();
        assertThat(metric(api(a2, "GET", "/metrics", null).body(), "sluice_suppression_replica_waiting"))
                .isEqualTo("sluice_suppression_replica_waiting 2.0");

        redis.restart(); // empty, as after a crash without persistence
        await().atMost(Duration.ofSeconds(10)).until(() -> b.suppressions().isSuppressed(null, "during@far.test")
                && !b.suppressions().isSuppressed(null, "before@far.test"));
        assertThat(b.suppressions().find(null, "during@far.test").reason()).isEqualTo("added while Redis was down");
        try (Dialog onB = transaction(b)) {
            assertThat(rcpt(onB, "during@far.test")).startsWith("550");
            assertThat(rcpt(onB, "before@far.test")).startsWith("250");
        }
        // the emptied Redis got the list back from the nodes: a node joining now sees it
        await().atMost(Duration.ofSeconds(5))
                .until(() -> redis.cli("HEXISTS", "sluice:{suppression}:entries", "*:during@far.test").strip().equals("1"));
        assertThat(redis.cli("HEXISTS", "sluice:{suppression}:entries", "*:before@far.test").strip()).isEqualTo("0");
        await().atMost(Duration.ofSeconds(2)).until(() -> metric(api(a2, "GET", "/metrics", null).body(),
                "sluice_suppression_replica_waiting").equals("sluice_suppression_replica_waiting 0.0"));
    }
}
