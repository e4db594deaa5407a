package sluice.shaping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sluice.config.EgressConfig;
import sluice.dns.Resolver;
import sluice.observe.Alerts;
import sluice.observe.DeliveryEvent;
import sluice.observe.Metrics;
import sluice.testkit.MutableClock;
import sluice.testkit.TestDnsServer;

/** The egress addresses checked against an in-process DNS blocklist {@code bl.test} that lists 127.0.0.2. */
class SourceListingsTest {
    private static final String IP1_IN_BL = "2.0.0.127.bl.test";
    private static final String IP2_IN_BL = "3.0.0.127.bl.test";
    private static final List<EgressConfig.Source> SOURCES = List.of(
            new EgressConfig.Source("ip1", "127.0.0.2", "out1.example.test", null, null),
            new EgressConfig.Source("ip2", "127.0.0.3", "out2.example.test", null, null));

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T06:00:00Z"));
    private final List<DeliveryEvent> events = new CopyOnWriteArrayList<>();
    private TestDnsServer dns;
    private Resolver resolver;

    @BeforeEach
    void start() {
        dns = TestDnsServer.start().ttl(0); // nothing cached: each check asks again
        dns.a(IP1_IN_BL, "127.0.0.2").txt(IP1_IN_BL, "listed for spam, see https://bl.test/127.0.0.2");
        resolver = Resolver.create(List.of(dns.address()), Duration.ofMillis(300), clock);
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private SourceListings listings(boolean remove, String... zones) {
        return new SourceListings(new EgressConfig.Blocklists(List.of(zones), Duration.ofMinutes(30), remove),
                SOURCES, resolver, events::add, clock);
    }

    private List<DeliveryEvent.Shaping> shapingEvents() {
        return events.stream().map(DeliveryEvent.Shaping.class::cast).toList();
    }

    @Test
    void aListedSourceIsUnusableWithRemoveAndTheOtherStaysUsable() throws Exception {
        SourceListings l = listings(true, "bl.test");
        assertThat(l.usable("ip1")).isTrue(); // nothing known before the first check

        SourceListings.Report r = l.checkNow();

        assertThat(l.usable("ip1")).isFalse();
        assertThat(l.usable("ip2")).isTrue();
        SourceListings.SourceState ip1 = r.sources().get(0);
        assertThat(ip1.ip()).isEqualTo("127.0.0.2");
        assertThat(ip1.listed()).singleElement().satisfies(x -> {
            assertThat(x.zone()).isEqualTo("bl.test");
            assertThat(x.answer()).containsExactly("127.0.0.2");
            assertThat(x.reason()).isEqualTo("listed for spam, see https://bl.test/127.0.0.2");
        });
        assertThat(r.sources().get(1).listed()).isEmpty();
        assertThat(shapingEvents()).singleElement().satisfies(e -> {
            assertThat(e.event()).isEqualTo("listed");
            assertThat(e.egressSource()).isEqualTo("ip1");
            assertThat(e.group()).isEqualTo("bl.test");
            assertThat(e.text()).contains("listed for spam");
        });
        assertThat(l.alerts()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo("blocklist");
            assertThat(a.message()).contains("ip1", "127.0.0.2", "bl.test", "out of its pools");
        });
    }

    @Test
    void withAlertTheListedSourceStaysUsableButIsReported() throws Exception {
        SourceListings l = listings(false, "bl.test");
        SourceListings.Report r = l.checkNow();
        assertThat(l.usable("ip1")).isTrue();
        assertThat(r.sources().get(0).listed()).hasSize(1);
        assertThat(shapingEvents()).extracting(DeliveryEvent.Shaping::event).containsExactly("listed");
        assertThat(l.alerts()).singleElement().satisfies(a -> assertThat(a.message()).contains("still in use"));
    }

    @Test
    void aSourceIsUsableAgainWhenTheRecordGoesAway() throws Exception {
        SourceListings l = listings(true, "bl.test");
        l.checkNow();
        l.checkNow(); // still listed: said once
        assertThat(shapingEvents()).hasSize(1);

        dns.remove(IP1_IN_BL);
        l.checkNow();

        assertThat(l.usable("ip1")).isTrue();
        assertThat(l.last().sources().get(0).listed()).isEmpty();
        assertThat(l.alerts()).isEmpty();
        assertThat(shapingEvents()).extracting(DeliveryEvent.Shaping::event).containsExactly("listed", "delisted");
        assertThat(shapingEvents().get(1).egressSource()).isEqualTo("ip1");
    }

    @Test
    void aServfailIsNotAListingAndKeepsThePreviousState() throws Exception {
        dns.servfail(IP2_IN_BL);
        SourceListings l = listings(true, "bl.test");
        l.checkNow();
        assertThat(l.usable("ip2")).isTrue();
        assertThat(l.last().sources().get(1).failed()).singleElement()
                .satisfies(f -> assertThat(f.zone()).isEqualTo("bl.test"));

        // ip1 listed, then its zone fails: still listed (a failure is no delisting), nothing published
        dns.remove(IP1_IN_BL).servfail(IP1_IN_BL);
        clock.advance(Duration.ofMinutes(1)); // past the resolver's short memory of failures
        l.checkNow();
        assertThat(l.usable("ip1")).isFalse();
        assertThat(shapingEvents()).extracting(DeliveryEvent.Shaping::event).containsExactly("listed");
    }

    @Test
    void aTimeoutIsNotAListing() throws Exception {
        dns.remove(IP1_IN_BL).drop(IP1_IN_BL);
        SourceListings l = listings(true, "bl.test");
        l.checkNow();
        assertThat(l.usable("ip1")).isTrue();
        assertThat(l.last().sources().get(0).failed()).hasSize(1);
        assertThat(events).isEmpty();
    }

    @Test
    void theListsRefusalCodesAreNotAListing() throws Exception {
        dns.remove(IP1_IN_BL).a(IP1_IN_BL, "127.255.255.254"); // Spamhaus: "query via a public resolver"
        SourceListings l = listings(true, "bl.test");
        l.checkNow();
        assertThat(l.usable("ip1")).isTrue();
        assertThat(l.last().sources().get(0).failed()).singleElement()
                .satisfies(f -> assertThat(f.detail()).contains("refused", "127.255.255.254"));
    }

    @Test
    void anIpv6SourceIsAskedByItsNibbles() throws Exception {
        dns.a("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test", "127.0.0.4");
        SourceListings l = new SourceListings(new EgressConfig.Blocklists(List.of("bl.test"), Duration.ofMinutes(30), true),
                List.of(new EgressConfig.Source("v6", "2001:db8::1", "out6.example.test", null, null)),
                resolver, events::add, clock);
        l.checkNow();
        assertThat(l.usable("v6")).isFalse();
    }

    @Test
    void theMetricIsOneWhileListedAndZeroOtherwise() throws Exception {
        SourceListings l = listings(true, "bl.test", "other.test");
        Metrics m = new Metrics().egressListings(l::metricStates);
        l.checkNow();
        assertThat(m.scrape().lines()).contains(
                "sluice_egress_listed{source=\"ip1\",zone=\"bl.test\"} 1.0",
                "sluice_egress_listed{source=\"ip1\",zone=\"other.test\"} 0.0",
                "sluice_egress_listed{source=\"ip2\",zone=\"bl.test\"} 0.0");
        dns.remove(IP1_IN_BL);
        l.checkNow();
        assertThat(m.scrape().lines()).contains("sluice_egress_listed{source=\"ip1\",zone=\"bl.test\"} 0.0");
    }

    @Test
    void theAlertReachesTheAlertsTheDashboardShows() throws Exception {
        SourceListings l = listings(true, "bl.test");
        Alerts alerts = new Alerts(new sluice.observe.Stats(clock), () -> 0, 0.05, 100, Duration.ofMinutes(30), clock)
                .include(l::alerts);
        l.checkNow();
        assertThat(alerts.evaluate()).extracting(Alerts.Alert::kind).containsExactly("blocklist");
    }

    @Test
    void theBackgroundThreadChecksAtStart() {
        try (SourceListings l = listings(true, "bl.test").start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !l.usable("ip1"));
            assertThat(l.last().checked()).isNotNull();
        }
    }

    @Test
    void withoutZonesNothingIsAskedAndEverySourceIsUsable() throws Exception {
        SourceListings l = listings(true).start();
        l.checkNow();
        assertThat(l.usable("ip1")).isTrue();
        assertThat(dns.queries(IP1_IN_BL)).isZero();
        l.close();
    }
}
