package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
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
        dns = later(TestDnsServer.start());
        for (String d : domains) dns.mx(d, 10, "mx." + d).a("mx." + d, "127.0.0.1");
        remote = later(FakeSmtpServer.start(script));
        return later(SluiceHarness.start("[\"127.0.0.0/8\"]", toml + """

                [delivery]
                mx_port = %d
                dns_servers = ["%s"]
                connect_timeout = "2s"
                """.formatted(remote.port(), dns.address()) + (toml.contains("retry_schedule") ? "" : "retry_schedule = [\"1s\"]\n")));
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
}
