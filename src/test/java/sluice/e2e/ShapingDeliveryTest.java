package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sluice.shaping.LaneView;
import sluice.testkit.Dialog;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TestDnsServer;

/**
 * Shaping end to end: a real node delivering to a scripted remote on loopback, measured from the remote's side
 * (arrival times, concurrent connections, peer addresses) and from the delivery log.
 */
class ShapingDeliveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<AutoCloseable> closeLater = new ArrayList<>();
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

    /** A DNS server where each domain's MX is mx.DOMAIN at 127.0.0.1, a remote, and a node relaying for loopback. */
    private SluiceHarness node(java.util.function.Consumer<FakeSmtpServer.Script> script, String toml,
                               String... domains) throws Exception {
        return nodeWith(script, toml, "retry_schedule = [\"1s\"]\n", domains);
    }

    private SluiceHarness nodeWith(java.util.function.Consumer<FakeSmtpServer.Script> script, String toml,
                                   String deliveryKeys, String... domains) throws Exception {
        dns = later(TestDnsServer.start());
        for (String d : domains) dns.mx(d, 10, "mx." + d).a("mx." + d, "127.0.0.1");
        remote = later(FakeSmtpServer.start(script));
        try {
            return later(SluiceHarness.start("[\"127.0.0.0/8\"]", toml + """

                [delivery]
                mx_port = %d
                dns_servers = ["%s"]
                connect_timeout = "2s"
                """.formatted(remote.port(), dns.address()) + deliveryKeys));
        } catch (sluice.config.ConfigException e) {
            throw new AssertionError(e.errors().toString(), e);
        }
    }

    /** Queues {@code n} messages from bob@example.test, one recipient each, over one SMTP session. */
    private static void send(SluiceHarness s, int n, String... domains) throws IOException {
        try (Dialog d = new Dialog(s.mx)) {
            d.expect();
            d.ask("EHLO client.test");
            for (int i = 0; i < n; i++) {
                String domain = domains[i % domains.length];
                d.ask("MAIL FROM:<bob@example.test>");
                String r = d.ask("RCPT TO:<u" + i + "@" + domain + ">");
                if (!r.startsWith("250")) throw new IOException("RCPT: " + r);
                d.ask("DATA");
                r = d.ask("Subject: m" + i + "\r\n\r\nbody\r\n.");
                if (!r.startsWith("250")) throw new IOException("end of data: " + r);
            }
        }
    }

    private static List<JsonNode> log(SluiceHarness s, String event) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(s.deliveryLog())) return out;
        for (String line : Files.readAllLines(s.deliveryLog())) {
            JsonNode n = JSON.readTree(line);
            if (n.path("event").asText().equals(event)) out.add(n);
        }
        return out;
    }

    private List<FakeSmtpServer.Arrival> arrivals(String domain) {
        return remote.arrivals().stream().filter(a -> a.domain().equals(domain)).toList();
    }

    /** Messages per second between the first and the last arrival. */
    private static double rate(List<FakeSmtpServer.Arrival> a) {
        return (a.size() - 1) / ((a.getLast().nanos() - a.getFirst().nanos()) / 1e9);
    }

    private LaneView lane(SluiceHarness s, String group) {
        return s.shaper().lanes().stream().filter(l -> l.group().equals(group)).findFirst().orElse(null);
    }

    @Test
    void aRateRuleHoldsWhileAnotherDomainGoesAtFullSpeed() throws Exception {
        SluiceHarness s = node(x -> {}, """
                [[shaping]]
                match = "slow.test"
                max_message_rate = "20/s"
                """, "slow.test", "fast.test");
        int slow = 310; // ~15 s at 20/s
        int fast = 310;
        send(s, slow + fast, "slow.test", "fast.test"); // alternating
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> remote.arrivals().size() == slow + fast);

        List<FakeSmtpServer.Arrival> slowed = arrivals("slow.test");
        List<FakeSmtpServer.Arrival> free = arrivals("fast.test");
        assertThat(slowed.size()).isEqualTo(slow);
        assertThat(free.size()).isEqualTo(fast);
        // The first second may hold a burst (a tenth of a second's worth) and the queue's start-up; measure after it.
        double measured = rate(slowed.subList(20, slowed.size()));
        assertThat(measured).as("rate to slow.test").isBetween(19.0, 21.0);
        double unthrottled = rate(free);
        assertThat(unthrottled).as("rate to fast.test").isGreaterThan(3 * 20.0);
        assertThat(free.getLast().nanos()).as("fast.test is done long before slow.test")
                .isLessThan(slowed.get(slowed.size() / 2).nanos());
        s.awaitEmptyQueue(Duration.ofSeconds(10));
        assertThat(log(s, "delivered").size()).isEqualTo(slow + fast);
        assertThat(log(s, "deferred").size()).isZero();
        System.out.printf("slow.test %.2f/s, fast.test %.1f/s%n", measured, unthrottled);
    }

    @Test
    void rateLimitRepliesBackOffBelowTheRemotesLimitLoseNothingAndRecover() throws Exception {
        SluiceHarness s = node(x -> x.rateLimit(10), """
                [egress]
                shaping_window = "2s"

                [[shaping]]
                match = "busy.test"
                max_message_rate = "40/s"
                max_connections = 4
                """, "busy.test");
        send(s, 700, "busy.test");
        // Converges: the lane's rate ends below what the remote allows (40 -> 20 -> 10 -> 5, once per 5 s at most).
        Awaitility.await().atMost(Duration.ofSeconds(40)).until(() -> {
            LaneView l = lane(s, "busy.test");
            return l != null && l.backingOff() && l.ratePerSecond() < 10;
        });
        List<JsonNode> backoffs = log(s, "backoff");
        assertThat(backoffs.size()).isGreaterThanOrEqualTo(2);
        assertThat(backoffs.getFirst().path("group").asText()).isEqualTo("busy.test");
        assertThat(backoffs.getFirst().path("egress_source").asText()).isNotEmpty();
        assertThat(backoffs.getFirst().path("text").asText()).contains("4.7.28").contains("rate 40.0/s -> 20.0/s");
        // The remote relaxes: each clean window adds a tenth of the configured rate back, until it is all back.
        remote.rateLimit(Integer.MAX_VALUE);
        Awaitility.await().atMost(Duration.ofSeconds(45)).until(() -> !log(s, "resumed").isEmpty());
        LaneView l = lane(s, "busy.test");
        assertThat(l.ratePerSecond()).isEqualTo(40.0);
        assertThat(l.connections()).isEqualTo(4);
        assertThat(log(s, "resumed").getFirst().path("text").asText()).contains("backoff over");
        // Nothing lost: every message delivered, none bounced (a 421 is a deferral).
        s.awaitEmptyQueue(Duration.ofSeconds(60));
        Set<String> delivered = new HashSet<>();
        for (JsonNode n : log(s, "delivered")) delivered.add(n.path("recipient").asText());
        assertThat(delivered.size()).isEqualTo(700);
        assertThat(log(s, "bounced").size()).isZero();
        assertThat(log(s, "deferred").size()).isPositive();
    }

    @Test
    void aBlocklistReplySuspendsTheSourceAndMailLeavesFromTheOtherUntilItResumes() throws Exception {
        SluiceHarness s = node(x -> x.blockPeer("127.0.0.2"), """
                [[egress.sources]]
                name = "ip1"
                address = "127.0.0.2"
                ehlo = "out1.sluice.test"

                [[egress.sources]]
                name = "ip2"
                address = "127.0.0.3"
                ehlo = "out2.sluice.test"

                [[egress.pools]]
                name = "both"
                sources = ["ip1", "ip2"]

                [egress]
                default_pool = "both"

                [[shaping]]
                match = "blocky.test"
                suspend_for = "4s"
                """, "blocky.test");
        // One at a time, until a message drew ip1 (each source is drawn half the time): that one gets the 550.
        int sent = 0;
        while (log(s, "suspended").isEmpty()) {
            assertThat(sent).as("no message drew ip1 in 40 tries").isLessThan(40);
            send(s, 1, "blocky.test");
            sent++;
            int done = sent;
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> remoteOutcomes(s, "blocky.test") == done);
        }
        List<JsonNode> suspended = log(s, "suspended");
        assertThat(suspended.size()).isEqualTo(1);
        assertThat(suspended.getFirst().path("egress_source").asText()).isEqualTo("ip1");
        assertThat(suspended.getFirst().path("group").asText()).isEqualTo("blocky.test");
        assertThat(suspended.getFirst().path("text").asText()).contains("spamhaus");
        // While it lasts (4 s), the dashboard's alerts and the alert metric say so.
        assertThat(JSON.readTree(admin(s, "/api/v1/stats")).path("alerts").toString())
                .contains("\"kind\":\"suspended\"", "egress source ip1 is suspended for blocky.test");
        assertThat(admin(s, "/metrics")).contains("sluice_alert_active{kind=\"suspended\"} 1.0");
        // The one message lost got a real 5xx from the remote: it is bounced, not silently dropped.
        List<JsonNode> bounced = log(s, "bounced");
        assertThat(bounced.size()).isEqualTo(1);
        assertThat(bounced.getFirst().path("code").asInt()).isEqualTo(550);
        int before = remote.arrivals().size();
        send(s, 20, "blocky.test");
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> remote.arrivals().size() == before + 20);
        List<FakeSmtpServer.Arrival> after = remote.arrivals().subList(before, before + 20);
        assertThat(after).allSatisfy(a -> assertThat(a.peer()).isEqualTo("127.0.0.3"));
        assertThat(log(s, "bounced").size()).isEqualTo(1);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !log(s, "resumed").isEmpty());
        JsonNode resumed = log(s, "resumed").getFirst();
        assertThat(resumed.path("egress_source").asText()).isEqualTo("ip1");
        assertThat(resumed.path("text").asText()).contains("suspension over");
    }

    /** GET an admin endpoint with the node's token. */
    private static String admin(SluiceHarness s, String path) throws Exception {
        String token = Files.readString(s.config().admin().tokenFile()).strip();
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + s.config().admin().address()
                    + path)).header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            return r.body();
        }
    }

    /** Delivered and bounced lines for recipients at {@code domain} (not the DSNs that go back to the sender). */
    private static long remoteOutcomes(SluiceHarness s, String domain) throws IOException {
        List<JsonNode> all = new ArrayList<>(log(s, "delivered"));
        all.addAll(log(s, "bounced"));
        return all.stream().filter(n -> n.path("recipient").asText().endsWith("@" + domain)).count();
    }

    @Test
    void anMxSuffixGroupSharesItsConnectionLimitAcrossItsDomains() throws Exception {
        List<String> domains = new ArrayList<>();
        for (int i = 0; i < 50; i++) domains.add("d" + i + ".test");
        SluiceHarness s = node(x -> x.slowReplies(Duration.ofMillis(10)), """
                [[shaping]]
                match = "mx:.mx-provider.test"
                group = "provider"
                max_connections = 2
                """, "other.test");
        for (String d : domains) dns.mx(d, 10, "mx" + d.substring(1, d.indexOf('.')) + ".mx-provider.test")
                .a("mx" + d.substring(1, d.indexOf('.')) + ".mx-provider.test", "127.0.0.1");
        List<String> all = new ArrayList<>(domains);
        for (int i = 0; i < 10; i++) all.add("other.test");
        send(s, 300, all.toArray(String[]::new)); // 5 to each provider domain, 50 to other.test
        Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> remote.arrivals().size() == 300);
        s.awaitEmptyQueue(Duration.ofSeconds(10));
        assertThat(log(s, "delivered").size()).isEqualTo(300);
        assertThat(concurrency(d -> d.endsWith(".test") && d.startsWith("d"))).isLessThanOrEqualTo(2);
        assertThat(concurrency(d -> d.equals("other.test"))).as("other.test is not limited").isGreaterThan(2);
        assertThat(lane(s, "provider").configuredConnections()).isEqualTo(2);
    }

    /** The most connections open at once among those that carried mail to domains {@code of} accepts. */
    private int concurrency(java.util.function.Predicate<String> of) {
        Set<Integer> used = new HashSet<>();
        for (FakeSmtpServer.Arrival a : remote.arrivals()) if (of.test(a.domain())) used.add(a.message().connection());
        List<long[]> edges = new ArrayList<>();
        for (Map.Entry<Integer, long[]> e : remote.spans().entrySet()) {
            if (!used.contains(e.getKey())) continue;
            edges.add(new long[] {e.getValue()[0], 1});
            edges.add(new long[] {e.getValue()[1], -1});
        }
        edges.sort((x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1])); // closes first
        int open = 0;
        int most = 0;
        for (long[] e : edges) {
            open += (int) e[1];
            most = Math.max(most, open);
        }
        return most;
    }

    @Test
    void throttledMailExpiresAtItsLifetimeWithoutDeferredLines() throws Exception {
        SluiceHarness s = nodeWith(x -> {}, """
                [[shaping]]
                match = "slow.test"
                max_message_rate = "1/min"
                """, "retry_schedule = [\"1s\"]\nmax_queue_lifetime = \"6s\"\n", "slow.test");
        java.time.Instant start = java.time.Instant.now();
        send(s, 4, "slow.test"); // the first goes at once; the next slots are 1, 2 and 3 minutes away
        java.time.Instant sent = java.time.Instant.now();
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> log(s, "expired").size() == 3);
        for (JsonNode n : log(s, "expired")) {
            java.time.Instant at = java.time.Instant.parse(n.path("ts").asText());
            assertThat(at).as("expired at its lifetime, not at its throttled slot")
                    .isAfterOrEqualTo(start.plusSeconds(6)).isBefore(sent.plusSeconds(6).plusMillis(2500));
        }
        assertThat(remote.arrivals().size()).isEqualTo(1);
        // A DSN for each expired message goes back to the sender (local here: bob@example.test).
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> log(s, "delivered").stream()
                .filter(n -> n.path("recipient").asText().endsWith("@example.test")).count() == 3);
        // Waiting for a throttled slot is not an attempt: no deferred lines, and the one delivery was attempt 1.
        assertThat(log(s, "deferred").size()).isZero();
    }

    @Test
    void throttledMailDoesNotHoldUpOtherDestinations() throws Exception {
        SluiceHarness s = node(x -> {}, """
                [[shaping]]
                match = "slow.test"
                max_message_rate = "1/s"
                """, "slow.test", "fast.test");
        send(s, 2000, "slow.test");
        List<Long> latencies = new ArrayList<>();
        int mostActive = 0;
        for (int i = 0; i < 20; i++) {
            mostActive = Math.max(mostActive, s.scheduler().active());
            int before = arrivals("fast.test").size();
            long t0 = System.nanoTime();
            send(s, 1, "fast.test");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> arrivals("fast.test").size() == before + 1);
            latencies.add((arrivals("fast.test").getLast().nanos() - t0) / 1_000_000);
        }
        latencies.sort(null);
        System.out.println("fast.test latencies (ms) behind 2000 throttled messages: " + latencies);
        assertThat(latencies.getLast()).as("slowest of 20, ms").isLessThan(2000);
        // A throttled message is out of its round (holding no in-flight place) until its slot: few are in rounds.
        assertThat(mostActive).as("messages in delivery rounds while 2000 wait").isLessThan(100);
        assertThat(arrivals("slow.test").size()).isLessThan(60); // still throttled meanwhile
        assertThat(lane(s, "slow.test").waitingForRate()).isGreaterThan(1000);
    }
}
