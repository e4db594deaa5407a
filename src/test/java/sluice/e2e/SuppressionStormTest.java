package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import sluice.observe.DeliveryEvent;
import sluice.policy.HardBounceSuppression;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TestDnsServer;

/**
 * A hard-bounce storm (100,000 invalid recipients reported through {@link HardBounceSuppression}, as the delivery
 * threads report them) while the node receives and delivers mail: the storm's publishes never wait for the disk,
 * every entry is stored, and the node's throughput stays close to what it is without the storm.
 */
class SuppressionStormTest {
    private static final int STORM = 100_000;
    private static final int MESSAGES = 600;
    private static final int SENDERS = 6;

    @Test
    void aHardBounceStormDoesNotSlowDelivery() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start();
             FakeSmtpServer remote = FakeSmtpServer.start(x -> {})) {
            dns.mx("far.test", 10, "mx1.far.test").a("mx1.far.test", "127.0.0.1");
            try (SluiceHarness s = SluiceHarness.start("[\"127.0.0.0/8\"]", """
                    [delivery]
                    mx_port = %d
                    dns_servers = ["%s"]
                    retry_schedule = ["1h"]
                    [mailauth]
                    verify = false
                    suppression = "drop"
                    """.formatted(remote.port(), dns.address()))) {
                HardBounceSuppression bounces = new HardBounceSuppression(s.suppressions());
                int[] delivered = {0};
                delivered[0] = round(s, remote, 200, "warm", delivered[0], null); // JIT, connections
                List<Double> quiet = new ArrayList<>();
                List<Double> storm = new ArrayList<>();
                AtomicLong slowestPublish = new AtomicLong();
                List<Double> stormSeconds = java.util.Collections.synchronizedList(new ArrayList<>());
                for (int r = 0; r < 3; r++) {
                    long t = System.nanoTime();
                    delivered[0] = round(s, remote, MESSAGES, "q" + r, delivered[0], null);
                    quiet.add(MESSAGES / ((System.nanoTime() - t) / 1e9));
                    String tag = "s" + r;
                    t = System.nanoTime();
                    delivered[0] = round(s, remote, MESSAGES, tag, delivered[0], () -> {
                        long t0 = System.nanoTime();
                        storm(bounces, tag, slowestPublish);
                        stormSeconds.add((System.nanoTime() - t0) / 1e9);
                    });
                    storm.add(MESSAGES / ((System.nanoTime() - t) / 1e9));
                }
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> s.suppressions().pendingWrites() == 0);
                double q = quiet.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
                double st = storm.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
                System.out.printf("suppression storm: quiet %s msg/s, with %,d hard bounces %s msg/s (best %.0f vs %.0f, "
                                + "%.1f%%); the storm took %s s, slowest publish %.2f ms; load %s; index %,d bytes for %,d entries%n",
                        rates(quiet), STORM, rates(storm), q, st, 100 * (st - q) / q,
                        stormSeconds.stream().map(v -> String.format("%.2f", v)).toList(), slowestPublish.get() / 1e6,
                        Files.readString(Path.of("/proc/loadavg")).strip(), s.suppressions().indexBytes(),
                        s.suppressions().size());
                assertThat(s.suppressions().refusedWrites()).isZero();
                assertThat(s.suppressions().size()).isEqualTo(3L * STORM);
                assertThat(s.suppressions().page(null, 10_000).entries()).hasSize(10_000); // stored, not only queued
                assertThat(s.suppressions().find("news.example.test", "s2-99999@gone.test").reason())
                        .startsWith("hard bounce 550 5.1.1 from mx.gone.test");
                // a publish that waited for the disk (one fsync each) would take 100,000 fsyncs: minutes, not seconds
                assertThat(stormSeconds).allSatisfy(sec -> assertThat(sec).isLessThan(20.0));
                // The storm here is harsher than a real one (100,000 bounces in about a second, where real ones come
                // at the rate of delivery attempts) and its own CPU (~5 µs an entry) competes with delivery on 2 cores:
                // measured -3% to -20% at load averages 4-8. The bound leaves room for a machine shared with other
                // builds; a storm that waited for the disk fails the storm-duration check above, not this one.
                assertThat(st).isGreaterThan(0.7 * q);
            }
        }
    }

    private static String rates(List<Double> r) {
        return r.stream().map(v -> String.format("%.0f", v)).toList().toString();
    }

    /** 100,000 invalid-recipient bounces from 4 threads, as delivery threads would publish them. */
    private static void storm(HardBounceSuppression bounces, String tag, AtomicLong slowest) {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int from = t * (STORM / 4);
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = from; i < from + STORM / 4; i++) {
                    long t0 = System.nanoTime();
                    bounces.publish(new DeliveryEvent.Attempt(Instant.now(), "bounced", "Q" + i, null,
                            "news@news.example.test", tag + "-" + i + "@gone.test", "mx.gone.test", "192.0.2.1", 25,
                            null, 550, "5.1.1", "no such user", 1, 3, 1000, "mx", "invalid_recipient"));
                    slowest.accumulateAndGet(System.nanoTime() - t0, Math::max);
                }
            }));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Sends {@code n} messages from parallel SMTP sessions and waits until the remote has them all. */
    private static int round(SluiceHarness s, FakeSmtpServer remote, int n, String tag, int before, Runnable alongside)
            throws Exception {
        List<Thread> threads = new ArrayList<>();
        if (alongside != null) threads.add(Thread.ofPlatform().start(alongside));
        List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < SENDERS; t++) {
            int first = t;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = first; i < n; i += SENDERS) {
                    try {
                        s.sendMx("news@example.test", "Subject: " + tag + " " + i + "\n\nhello\n", tag + "-" + i + "@far.test");
                    } catch (Exception e) {
                        failures.add(e);
                        return;
                    }
                }
            }));
        }
        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                .until(() -> remote.messages().size() >= before + n || !failures.isEmpty());
        for (Thread t : threads) t.join();
        assertThat(failures).isEmpty();
        return before + n;
    }
}
