package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sluice.testkit.Dialog;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.RedisServer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TestDnsServer;

/**
 * The acceptance for shared shaping: two and three Sluice nodes (each its own spool, the same egress
 * source name) on one redis-server, all delivering to one fake MX whose group allows 5 connections and 600
 * messages a minute. Measured at the MX: connections open at once, messages per window, each Message-ID once.
 */
class ClusterShapingTest {
    private static final long SECOND = 1_000_000_000L;
    private static final Pattern MESSAGE_ID = Pattern.compile("(?im)^Message-ID:\\s*<([^>]+)>");
    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private RedisServer redis;
    private TestDnsServer dns;
    private FakeSmtpServer remote;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    private <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    private void fleet() throws Exception {
        fleet(x -> {});
    }

    private void fleet(java.util.function.Consumer<FakeSmtpServer.Script> script) throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        redis = later(RedisServer.start());
        dns = later(TestDnsServer.start());
        dns.mx("fleet.test", 10, "mx.fleet.test").a("mx.fleet.test", "127.0.0.1");
        remote = later(FakeSmtpServer.start(script));
    }

    private SluiceHarness node(String name) throws Exception {
        return later(SluiceHarness.start("[\"127.0.0.0/8\"]", """
                [cluster]
                redis = "%s"
                node_name = "%s"
                timeout = "100ms"

                [[shaping]]
                match = "fleet.test"
                max_connections = 5
                max_message_rate = "600/min"

                [delivery]
                mx_port = %d
                dns_servers = ["%s"]
                connect_timeout = "2s"
                retry_schedule = ["1s"]
                """.formatted(redis.url(), name, remote.port(), dns.address())));
    }

    /** Queues {@code n} messages over one SMTP session, each with its own Message-ID. */
    private static void send(SluiceHarness s, int n, String tag) throws IOException {
        try (Dialog d = new Dialog(s.mx)) {
            d.expect();
            d.ask("EHLO client.test");
            for (int i = 0; i < n; i++) {
                d.ask("MAIL FROM:<bob@example.test>");
                String r = d.ask("RCPT TO:<u" + i + "@fleet.test>");
                if (!r.startsWith("250")) throw new IOException("RCPT: " + r);
                d.ask("DATA");
                r = d.ask("Message-ID: <" + tag + "-" + i + "@fleet.test>\r\nSubject: m" + i + "\r\n\r\nbody\r\n.");
                if (!r.startsWith("250")) throw new IOException("end of data: " + r);
            }
        }
    }

    /** Arrivals per Message-ID at the MX. */
    private Map<String, Integer> arrivalsById() {
        Map<String, Integer> out = new HashMap<>();
        for (FakeSmtpServer.Arrival a : remote.arrivals()) {
            Matcher m = MESSAGE_ID.matcher(a.message().text());
            out.merge(m.find() ? m.group(1) : "none", 1, Integer::sum);
        }
        return out;
    }

    /** The most connections the MX had open at once. */
    private int maxConcurrent() {
        List<long[]> edges = new ArrayList<>();
        for (long[] span : remote.spans().values()) {
            edges.add(new long[]{span[0], 1});
            edges.add(new long[]{span[1], -1});
        }
        edges.sort((x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1])); // closes first
        int open = 0;
        int max = 0;
        for (long[] e : edges) {
            open += (int) e[1];
            max = Math.max(max, open);
        }
        return max;
    }

    private long arrivedBetween(long from, long to) {
        return remote.arrivals().stream().filter(a -> a.nanos() >= from && a.nanos() < to).count();
    }

    /** The most messages in any window of {@code length} starting at an arrival. */
    private long busiestWindow(long length) {
        List<Long> t = remote.arrivals().stream().map(FakeSmtpServer.Arrival::nanos).sorted().toList();
        long max = 0;
        int j = 0;
        for (int i = 0; i < t.size(); i++) {
            while (j < t.size() && t.get(j) < t.get(i) + length) j++;
            max = Math.max(max, j - i);
        }
        return max;
    }

    private void assertEachOnce(int total) {
        Map<String, Integer> ids = arrivalsById();
        assertThat(ids).doesNotContainKey("none");
        assertThat(ids).as("distinct messages at the MX").hasSize(total);
        assertThat(ids.values()).as("arrivals per Message-ID").allMatch(n -> n == 1);
    }

    @Test
    void twoNodesHoldTheGroupsConnectionsAndRateTogether() throws Exception {
        fleet();
        List<SluiceHarness> nodes = List.of(node("node-a"), node("node-b"));
        await().atMost(Duration.ofSeconds(5)).until(() -> nodes.getFirst().node().cluster().membership().alive() == 2);
        int each = 180; // 360 at 10/s: ~36 s
        long calls = nodes.stream().mapToLong(n -> n.node().cluster().redis().calls()).sum();
        for (int n = 0; n < nodes.size(); n++) send(nodes.get(n), each, "n" + n);
        await().atMost(Duration.ofSeconds(55)).until(() -> remote.arrivals().size() >= nodes.size() * each);
        calls = nodes.stream().mapToLong(n -> n.node().cluster().redis().calls()).sum() - calls;
        System.out.printf("two nodes: %d Redis calls for %d messages: %.2f a message (heartbeats included)%n", calls,
                nodes.size() * each, calls / (double) (nodes.size() * each));
        long first = remote.arrivals().getFirst().nanos();
        long in30 = arrivedBetween(first + 2 * SECOND, first + 32 * SECOND);
        System.out.printf("two nodes: %d in 30 s (600/min = 300), busiest 10 s %d, at most %d connections%n", in30,
                busiestWindow(10 * SECOND), maxConcurrent());
        assertThat(maxConcurrent()).as("connections open at once at the MX").isLessThanOrEqualTo(5);
        assertThat(in30).as("messages in 30 s at 600/min").isLessThanOrEqualTo(315).isGreaterThanOrEqualTo(240);
        assertThat(busiestWindow(10 * SECOND)).as("any 10 s").isLessThanOrEqualTo(105);
        for (SluiceHarness s : nodes) s.awaitEmptyQueue(Duration.ofSeconds(10));
        assertEachOnce(nodes.size() * each);
    }

    @Test
    void aSlowMxGetsNoMoreThanFiveConnectionsFromTwoNodes() throws Exception {
        fleet(x -> x.slowReplies(Duration.ofMillis(150))); // ~1 s a message: the connection limit binds, not the rate
        List<SluiceHarness> nodes = List.of(node("node-a"), node("node-b"));
        await().atMost(Duration.ofSeconds(5)).until(() -> nodes.getFirst().node().cluster().membership().alive() == 2);
        int each = 40;
        for (int n = 0; n < nodes.size(); n++) send(nodes.get(n), each, "n" + n);
        await().atMost(Duration.ofSeconds(45)).until(() -> remote.arrivals().size() >= nodes.size() * each);
        System.out.printf("slow MX: at most %d connections%n", maxConcurrent());
        assertThat(maxConcurrent()).as("connections open at once at the MX").isLessThanOrEqualTo(5)
                .isGreaterThanOrEqualTo(3);
        for (SluiceHarness s : nodes) s.awaitEmptyQueue(Duration.ofSeconds(10));
        assertEachOnce(nodes.size() * each);
    }

    @Test
    void threeNodesKeepToTheirSharesWhileRedisIsDeadAndShareAgainWhenItReturns() throws Exception {
        fleet();
        List<SluiceHarness> nodes = List.of(node("node-a"), node("node-b"), node("node-c"));
        await().atMost(Duration.ofSeconds(5)).until(() -> nodes.getFirst().node().cluster().membership().alive() == 3);
        int each = 110; // 330 at 10/s: ~33 s
        for (int n = 0; n < nodes.size(); n++) send(nodes.get(n), each, "n" + n);
        await().atMost(Duration.ofSeconds(10)).until(() -> remote.arrivals().size() >= 50);
        redis.kill();
        await().atMost(Duration.ofSeconds(3)).until(() -> nodes.stream()
                .allMatch(s -> s.node().cluster().health().degraded()));
        long degraded = System.nanoTime();
        Thread.sleep(8000);
        long whileDegraded = arrivedBetween(degraded, degraded + 8 * SECOND);
        redis.restart();
        await().atMost(Duration.ofSeconds(8)).until(() -> nodes.stream()
                .allMatch(s -> s.node().cluster().health().shared()));
        long shared = System.nanoTime();
        await().atMost(Duration.ofSeconds(45)).until(() -> remote.arrivals().size() >= nodes.size() * each);
        long afterwards = arrivedBetween(shared + SECOND, shared + 9 * SECOND);
        System.out.printf("three nodes: %d in 8 s degraded, %d in 8 s shared again, busiest 10 s %d, at most %d "
                + "connections%n", whileDegraded, afterwards, busiestWindow(10 * SECOND), maxConcurrent());
        assertThat(maxConcurrent()).as("connections open at once at the MX, through both switches")
                .isLessThanOrEqualTo(5);
        // a third of 10/s each while degraded (each node's local bucket starts one interval after the switch)
        assertThat(whileDegraded).as("8 s degraded").isLessThanOrEqualTo(80 + 3).isGreaterThan(40);
        assertThat(afterwards).as("8 s shared again").isLessThanOrEqualTo(80 + 4).isGreaterThan(40);
        assertThat(busiestWindow(10 * SECOND)).as("any 10 s").isLessThanOrEqualTo(105);
        for (SluiceHarness s : nodes) s.awaitEmptyQueue(Duration.ofSeconds(10));
        assertEachOnce(nodes.size() * each);
    }
}
