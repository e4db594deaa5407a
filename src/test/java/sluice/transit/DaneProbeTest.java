package sluice.transit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import sluice.dns.SecureResolver;
import sluice.testkit.TestDnsServer;

/**
 * DNS servers that return no DNSSEC (the in-process test server, dnsmasq) turn DANE off, and the deliveries that
 * start together before the first probe has its answer wait for it instead of validating through those servers
 * (which made every domain look bogus and deferred its mail).
 */
class DaneProbeTest {
    @Test
    void concurrentFirstLookupsWaitForTheProbeAndNoneIsUnusable() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start().mx("far.test", 10, "mx.far.test").a("mx.far.test", "127.0.0.1")
                .delay(".", Duration.ofMillis(300))) {
            Dane dane = Dane.over(SecureResolver.create(List.of(dns.address()), Duration.ofSeconds(2), null,
                    Clock.systemUTC()), 25, Clock.systemUTC());
            List<CompletableFuture<DaneVerdict>> verdicts = new ArrayList<>();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 20; i++) {
                    verdicts.add(CompletableFuture.supplyAsync(() -> dane.forHost("far.test", "mx.far.test"), pool));
                }
            }
            for (CompletableFuture<DaneVerdict> v : verdicts) {
                assertThat(v.get()).isInstanceOfSatisfying(DaneVerdict.NotApplicable.class,
                        n -> assertThat(n.why()).contains("DNSSEC unavailable"));
            }
            assertThat(dane.mxSecure("far.test")).isFalse();
        }
    }
}
