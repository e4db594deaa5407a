package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TestDnsServer;

/**
 * IP warm-up through a running node: a warming source (127.0.0.2) with a cap of 5 for the day delivers exactly 5;
 * the rest spill to the pool's established source (127.0.0.3), or, with overflow = "wait", stay queued until the
 * next day, also across a restart (today's count is kept in the spool).
 */
class WarmupTest {
    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private TestDnsServer dns;
    private FakeSmtpServer remote;

    @BeforeEach
    void start() throws Exception {
        // The test runs within one UTC day: a day that ends mid-test would lift the cap.
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() ->
                Duration.between(Instant.now(), LocalDate.now(ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC))
                        .toSeconds() > 120);
        dns = later(TestDnsServer.start());
        remote = later(FakeSmtpServer.start(x -> {}));
        dns.mx("far.test", 10, "mx1.far.test").a("mx1.far.test", "127.0.0.1");
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    private <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    /** One worker per destination: admissions to far.test are one at a time, so the cap is exact. */
    private String config(String poolSources, String overflow) {
        return """
                [[egress.sources]]
                name = "ip1"
                address = "127.0.0.2"
                ehlo = "out1.sluice.test"
                warmup = "new"

                [[egress.sources]]
                name = "ip2"
                address = "127.0.0.3"
                ehlo = "out2.sluice.test"

                [[egress.pools]]
                name = "bulk"
                sources = %s
                overflow = "%s"

                [egress]
                default_pool = "bulk"

                [warmup.new]
                daily = [5, 50]

                [delivery]
                mx_port = %d
                dns_servers = ["%s"]
                connect_timeout = "2s"
                retry_schedule = ["1h"]
                connections_per_destination = 1
                """.formatted(poolSources, overflow, remote.port(), dns.address());
    }

    private void send(SluiceHarness s, int n) throws Exception {
        for (int i = 0; i < n; i++) s.sendMx("news@example.test", "Subject: warm " + i + "\n\nbody\n", "r" + i + "@far.test");
    }

    private Map<String, Integer> byPeer() {
        Map<String, Integer> out = new TreeMap<>();
        for (FakeSmtpServer.Received r : remote.messages()) out.merge(remote.peer(r.connection()), 1, Integer::sum);
        return out;
    }

    @Test
    void aWarmingSourceDeliversItsCapAndTheRestSpillsToTheEstablishedSource() throws Exception {
        SluiceHarness s = later(SluiceHarness.start("[\"127.0.0.0/8\"]", config("[\"ip1\", \"ip2\"]", "spill")));
        send(s, 40); // drawn 1:1, ip1 is drawn at least 5 times in 40 but with a chance of about 1 in 10 million
        s.awaitEmptyQueue(Duration.ofSeconds(30));
        assertThat(byPeer()).isEqualTo(Map.of("127.0.0.2", 5, "127.0.0.3", 35));
    }

    @Test
    void withOverflowWaitTheRestWaitsForTheNextDayAlsoAfterARestart() throws Exception {
        SluiceHarness s = SluiceHarness.start("[\"127.0.0.0/8\"]", config("[\"ip1\"]", "wait"));
        try {
            send(s, 12);
            awaitWaiting(s, 7);
        } finally {
            s.close();
        }
        assertThat(byPeer()).isEqualTo(Map.of("127.0.0.2", 5));

        // Restarted on the same data: the 7 are due again at once, and today's count of 5 still holds them back.
        SluiceHarness again = later(SluiceHarness.startIn(s.dir, "[\"127.0.0.0/8\"]", config("[\"ip1\"]", "wait")));
        awaitWaiting(again, 7);
        assertThat(byPeer()).isEqualTo(Map.of("127.0.0.2", 5));
        assertThat(again.queue()).hasSize(7);
    }

    /** Until {@code n} messages wait (scheduled, none ready or in delivery) and 5 were delivered. */
    private void awaitWaiting(SluiceHarness s, long n) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(remote.messages()).hasSize(5);
            assertThat(s.scheduler().countsByState()).containsEntry("scheduled", n).containsEntry("ready", 0L)
                    .containsEntry("active", 0L);
        });
    }
}
