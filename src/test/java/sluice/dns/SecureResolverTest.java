package sluice.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.SignedZones;
import sluice.testkit.SignedZones.Kind;
import sluice.testkit.TestDnsServer;

/** Validated answers from a private signed tree served by nsd: secure, insecure, bogus, failed; and a stripping server. */
class SecureResolverTest {
    private static SignedZones zones;
    private static SecureResolver dns;

    @BeforeAll
    static void zones() throws Exception {
        assumeTrue(SignedZones.available(), "nsd and ldnsutils are needed (apt-get install nsd ldnsutils)");
        zones = SignedZones.builder()
                .zone("test", Kind.SIGNED)
                .zone("good.test", Kind.SIGNED, "@ MX 10 mx", "mx A 127.0.0.1", "mx AAAA ::1", "alias CNAME mx.plain.test.",
                        "inside CNAME mx")
                .zone("plain.test", Kind.UNSIGNED, "mx A 127.0.0.2", "alias CNAME mx.good.test.")
                .zone("stale.test", Kind.EXPIRED, "mx A 127.0.0.3")
                .zone("broken.test", Kind.SERVFAIL)
                .start();
        dns = SecureResolver.create(List.of(zones.address()), Duration.ofSeconds(2), zones.trustAnchor(), Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws IOException {
        if (zones != null) zones.close();
    }

    @Test
    void signedDataIsSecure() {
        assertThat(dns.mx("good.test")).isEqualTo(new Validated.Data<>(List.of("mx.good.test"), true, List.of(), "good.test"));
        assertThat(dns.addresses("mx.good.test")).isInstanceOfSatisfying(Validated.Data.class, d -> {
            assertThat(d.secure()).isTrue();
            assertThat((List<?>) d.value()).hasSize(2);
        });
    }

    @Test
    void signedDenialsAreSecure() {
        assertThat(dns.tlsa("mx.good.test", 25)).isEqualTo(new Validated.Empty<>(true, true));
        assertThat(dns.addresses("nothing.good.test")).isEqualTo(new Validated.Empty<>(true, true));
        assertThat(dns.mx("mx.good.test")).isEqualTo(new Validated.Empty<>(true, false));
    }

    @Test
    void unsignedZoneIsInsecure() {
        assertThat(dns.addresses("mx.plain.test")).isInstanceOfSatisfying(Validated.Data.class,
                d -> assertThat(d.secure()).isFalse());
    }

    @Test
    void cnameIsSecureOnlyIfEveryLinkIs() {
        assertThat(dns.addresses("alias.good.test")).isInstanceOfSatisfying(Validated.Data.class, d -> {
            assertThat(d.secure()).isFalse();
            assertThat(d.aliases()).containsExactly("alias.good.test");
            assertThat(d.owner()).isEqualTo("mx.plain.test");
        });
        assertThat(dns.addresses("alias.plain.test")).as("an unsigned alias to a signed host")
                .isInstanceOfSatisfying(Validated.Data.class, d -> {
                    assertThat(d.secure()).isFalse();
                    assertThat(d.owner()).isEqualTo("mx.good.test");
                });
        assertThat(dns.addresses("inside.good.test")).isInstanceOfSatisfying(Validated.Data.class, d -> {
            assertThat(d.secure()).isTrue();
            assertThat(d.owner()).isEqualTo("mx.good.test");
        });
    }

    @Test
    void expiredSignaturesAreBogusWithTheReason() {
        assertThat(dns.addresses("mx.stale.test")).isInstanceOfSatisfying(Validated.Bogus.class,
                b -> assertThat(b.why()).startsWith("mx.stale.test/").isNotEqualTo("DNSSEC validation failed"));
    }

    @Test
    void servfailIsAFailureNotBogus() {
        assertThat(dns.tlsa("mx.broken.test", 25)).isInstanceOfSatisfying(Validated.Failed.class,
                f -> assertThat(f.why()).contains("SERVFAIL"));
    }

    @Test
    void theServersSignTheirAnswers() {
        assertThat(dns.dnssecAvailable()).isTrue();
        assertThat(dns.dnssecState()).startsWith("DNSSEC validation on").contains(zones.trustAnchor().toString());
    }

    @Test
    void aServerThatStripsDnssecTurnsDaneOffInsteadOfMakingAllBogus(@TempDir Path dir) throws IOException {
        Path anchor = Files.writeString(dir.resolve("anchor"), Files.readString(zones.trustAnchor()));
        try (TestDnsServer plain = TestDnsServer.start()) {
            plain.mx("example.test", 10, "mx.example.test").a("mx.example.test", "127.0.0.1");
            SecureResolver stripped = SecureResolver.create(List.of(plain.address()), Duration.ofSeconds(1), anchor,
                    Clock.systemUTC());
            assertThat(stripped.dnssecAvailable()).isFalse();
            assertThat(stripped.dnssecState()).startsWith("DNSSEC unavailable, DANE off: the DNS servers [127.0.0.1:"
                    + plain.port() + "] return no DNSKEY records for .");
            assertThat(plain.queries(".")).isEqualTo(1);
            assertThat(stripped.dnssecAvailable()).isFalse();
            assertThat(plain.queries(".")).as("checked once").isEqualTo(1);
        }
    }

    @Test
    void concurrentAskersShareOneLookupAndTheAnswerIsCached() throws Exception {
        try (TestDnsServer slow = TestDnsServer.start();
             var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            slow.a("mx.slow.test", "127.0.0.1").delay("mx.slow.test", Duration.ofMillis(300));
            SecureResolver resolver = SecureResolver.create(List.of(slow.address()), Duration.ofSeconds(2),
                    zones.trustAnchor(), Clock.systemUTC());
            List<CompletableFuture<Validated<List<Tlsa>>>> askers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                askers.add(CompletableFuture.supplyAsync(() -> resolver.tlsa("mx.slow.test", 25), pool));
            }
            askers.forEach(CompletableFuture::join);
            int once = slow.queries("_25._tcp.mx.slow.test");
            assertThat(once).isBetween(1, 2); // the validated question, and the direct one telling bogus from failed
            resolver.tlsa("mx.slow.test", 25);
            assertThat(slow.queries("_25._tcp.mx.slow.test")).isEqualTo(once);
            assertThat(resolver.stats().bogus() + resolver.stats().failed()).as("one lookup upstream").isEqualTo(1);
        }
    }

    @Test
    void aSilentServerFailsWithinTheBudget() throws Exception {
        try (TestDnsServer silent = TestDnsServer.start()) {
            silent.drop("_25._tcp.mx.silent.test");
            SecureResolver resolver = SecureResolver.create(List.of(silent.address()), Duration.ofMillis(300),
                    zones.trustAnchor(), Clock.systemUTC());
            long start = System.nanoTime();
            assertThat(resolver.tlsa("mx.silent.test", 25)).isInstanceOfSatisfying(Validated.Failed.class,
                    f -> assertThat(f.why()).contains("_25._tcp.mx.silent.test"));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(resolver.budget().plusMillis(500));
        }
    }

    @Test
    void aSlowLookupStallsOnlyItsOwnAskers() throws Exception {
        try (TestDnsServer server = TestDnsServer.start()) {
            server.delay("_25._tcp.mx.slow.test", Duration.ofMillis(1500));
            SecureResolver resolver = SecureResolver.create(List.of(server.address()), Duration.ofSeconds(3),
                    zones.trustAnchor(), Clock.systemUTC());
            CompletableFuture<Validated<List<Tlsa>>> slow = CompletableFuture.supplyAsync(
                    () -> resolver.tlsa("mx.slow.test", 25), Executors.newVirtualThreadPerTaskExecutor());
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(2))
                    .until(() -> server.queries("_25._tcp.mx.slow.test") > 0);
            long start = System.nanoTime();
            resolver.tlsa("mx.fast.test", 25);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(700));
            assertThat(slow).isNotDone();
            slow.join();
        }
    }

    @Test
    void aTrustAnchorFileOfOtherRecordsIsRefused(@TempDir Path dir) throws IOException {
        Path bad = Files.writeString(dir.resolve("anchor"), "example.test. 300 IN A 127.0.0.1\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        SecureResolver.create(List.of("127.0.0.1"), Duration.ofSeconds(1), bad, Clock.systemUTC()))
                .isInstanceOf(IOException.class).hasMessageContaining("must be a DS or DNSKEY record");
    }
}
