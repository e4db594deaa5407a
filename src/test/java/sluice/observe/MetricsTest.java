package sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import sluice.dns.LookupStats;
import sluice.testkit.Peer;

class MetricsTest {
    private static final Instant T = Instant.parse("2026-11-02T10:00:00Z");

    static DeliveryEvent.Attempt attempt(String result, int code, long durationMs) {
        return new DeliveryEvent.Attempt(T, result, "Q1", "<m@x>", "a@example.com", "b@example.net", "mx.example.net",
                "192.0.2.7", 25, "TLSv1.3", code, code == 0 ? null : "2.0.0", "text", 1, durationMs, 1000, "mx", null);
    }

    static DeliveryEvent.Received received(int listener) {
        return new DeliveryEvent.Received(T, "Q1", "<m@x>", "a@example.com", List.of("b@example.net"), listener,
                "192.0.2.1", "TLSv1.3", null, 1000, null);
    }

    static DeliveryEvent.Rejected rejected(int listener, int code) {
        return new DeliveryEvent.Rejected(T, "a@example.com", "b@example.net", listener, "192.0.2.1", null, null, code,
                "5.7.1", "relay denied");
    }

    static Stream<Arguments> events() {
        return Stream.of(
                Arguments.of("admitted connection", List.of(
                        new DeliveryEvent.ConnectionOpened(T, 25, "mx", "192.0.2.1"),
                        new DeliveryEvent.ConnectionOpened(T, 25, "mx", "192.0.2.2"),
                        new DeliveryEvent.ConnectionOpened(T, 587, "submission", "192.0.2.3"),
                        new DeliveryEvent.ConnectionClosed(T, 25, "mx", 40, 1)), List.of(
                        "sluice_connections_total{listener=\"mx\",port=\"25\"} 2.0",
                        "sluice_connections_total{listener=\"submission\",port=\"587\"} 1.0",
                        "sluice_connections_active{listener=\"mx\",port=\"25\"} 1.0",
                        "sluice_connections_active{listener=\"submission\",port=\"587\"} 1.0",
                        "sluice_session_duration_seconds_count{listener=\"mx\"} 1",
                        "sluice_session_duration_seconds_sum{listener=\"mx\"} 0.04")),
                Arguments.of("refused connections", List.of(
                        new DeliveryEvent.ConnectionRefused(T, 25, "mx", "192.0.2.9", "deny_rule"),
                        new DeliveryEvent.ConnectionRefused(T, 25, "mx", "192.0.2.9", "max_connections_per_ip"),
                        new DeliveryEvent.ConnectionRefused(T, 25, "mx", "192.0.2.9", "max_connections_per_ip")), List.of(
                        "sluice_connections_rejected_total{listener=\"mx\",port=\"25\",reason=\"deny_rule\"} 1.0",
                        "sluice_connections_rejected_total{listener=\"mx\",port=\"25\",reason=\"max_connections_per_ip\"} 2.0")),
                Arguments.of("TLS", List.of(
                        new DeliveryEvent.TlsEstablished(T, 465, "submissions", "TLSv1.3", "TLS_AES_256_GCM_SHA384", true),
                        new DeliveryEvent.TlsEstablished(T, 25, "mx", "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                                false)), List.of(
                        "sluice_tls_sessions_total{listener=\"submissions\",version=\"TLSv1.3\"} 1.0",
                        "sluice_tls_sessions_total{listener=\"mx\",version=\"TLSv1.2\"} 1.0")),
                Arguments.of("AUTH, with every result present from the start", List.of(
                        new DeliveryEvent.AuthAttempt(T, 587, "failure"),
                        new DeliveryEvent.AuthAttempt(T, 587, "failure"),
                        new DeliveryEvent.AuthAttempt(T, 587, "success"),
                        new DeliveryEvent.AuthAttempt(T, 587, "bogus")), List.of(
                        "sluice_auth_total{result=\"failure\"} 2.0",
                        "sluice_auth_total{result=\"success\"} 1.0",
                        "sluice_auth_total{result=\"locked_out\"} 0.0",
                        "sluice_auth_total{result=\"unavailable\"} 0.0")),
                Arguments.of("messages in, by listener port", List.of(received(25), received(25), received(587),
                        received(0), rejected(25, 550), rejected(25, 451)), List.of(
                        "sluice_messages_received_total{listener=\"25\"} 2.0",
                        "sluice_messages_received_total{listener=\"587\"} 1.0",
                        "sluice_messages_received_total{listener=\"internal\"} 1.0",
                        "sluice_messages_rejected_total{listener=\"25\"} 2.0",
                        "sluice_replies_total{class=\"2xx\",code=\"250\",direction=\"inbound\"} 4.0",
                        "sluice_replies_total{class=\"5xx\",code=\"550\",direction=\"inbound\"} 1.0",
                        "sluice_replies_total{class=\"4xx\",code=\"451\",direction=\"inbound\"} 1.0")),
                Arguments.of("deliveries and remote replies", List.of(attempt("delivered", 250, 100),
                        attempt("delivered", 250, 100), attempt("deferred", 421, 100), attempt("bounced", 550, 100),
                        attempt("expired", 0, 0), attempt("deferred", 0, 5000), attempt("deferred", 999, 10)), List.of(
                        "sluice_deliveries_total{result=\"delivered\"} 2.0",
                        "sluice_deliveries_total{result=\"deferred\"} 3.0",
                        "sluice_deliveries_total{result=\"bounced\"} 1.0",
                        "sluice_deliveries_total{result=\"expired\"} 1.0",
                        "sluice_replies_total{class=\"2xx\",code=\"250\",direction=\"outbound\"} 2.0",
                        "sluice_replies_total{class=\"4xx\",code=\"421\",direction=\"outbound\"} 1.0",
                        "sluice_replies_total{class=\"5xx\",code=\"550\",direction=\"outbound\"} 1.0",
                        "sluice_delivery_duration_seconds_count 6")),
                Arguments.of("a listener's series exist before its first client", List.of(
                        new DeliveryEvent.ListenerStarted(T, 2525, "submission")), List.of(
                        "sluice_connections_total{listener=\"submission\",port=\"2525\"} 0.0",
                        "sluice_connections_active{listener=\"submission\",port=\"2525\"} 0.0",
                        "sluice_messages_received_total{listener=\"2525\"} 0.0",
                        "sluice_messages_rejected_total{listener=\"2525\"} 0.0",
                        "sluice_tls_sessions_total{listener=\"submission\",version=\"TLSv1.3\"} 0.0",
                        "sluice_replies_total{class=\"2xx\",code=\"250\",direction=\"outbound\"} 0.0")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("events")
    void countsEvents(String what, List<DeliveryEvent> events, List<String> expected) {
        Metrics m = new Metrics();
        events.forEach(m::publish);
        assertThat(m.scrape().lines()).contains(expected.toArray(String[]::new));
    }

    @Test
    void anOperatorBounceIsNeitherARemoteReplyNorABounceClass() {
        Metrics m = new Metrics(); // as QueueActions logs `sluice queue bounce`: no remote host, class "other"
        m.publish(new DeliveryEvent.Attempt(T, "bounced", "Q1", null, "a@example.com", "b@example.net", null, null, 0, null,
                550, "5.0.0", "Bounced by the postmaster", 1, 0, 1000, null, "other"));
        List<String> lines = m.scrape().lines().toList();
        assertThat(lines).contains("sluice_deliveries_total{result=\"bounced\"} 1.0")
                .noneMatch(l -> l.startsWith("sluice_replies_total{class=\"5xx\"") && l.contains("outbound"))
                .noneMatch(l -> l.startsWith("sluice_bounce_class_total{") && !l.endsWith(" 0.0"));
    }

    @Test
    void outOfRangeCodesAddNoLabels() {
        Metrics m = new Metrics();
        m.publish(attempt("deferred", 999, 10));
        m.publish(attempt("deferred", 199, 10));
        m.publish(rejected(25, 0));
        assertThat(m.scrape().lines().filter(l -> l.startsWith("sluice_replies_total{")))
                .allMatch(l -> l.contains("code=\"250\"") && l.endsWith(" 0.0"));
    }

    @Test
    void deliveryDurationBucketsAreCumulative() {
        Metrics m = new Metrics();
        for (long ms : new long[] {5, 300, 3000, 200_000}) m.publish(attempt("delivered", 250, ms));
        List<String> lines = m.scrape().lines().toList();
        assertThat(lines).contains(
                "sluice_delivery_duration_seconds_bucket{le=\"0.01\"} 1",
                "sluice_delivery_duration_seconds_bucket{le=\"0.25\"} 1",
                "sluice_delivery_duration_seconds_bucket{le=\"0.5\"} 2",
                "sluice_delivery_duration_seconds_bucket{le=\"2.5\"} 2",
                "sluice_delivery_duration_seconds_bucket{le=\"5.0\"} 3",
                "sluice_delivery_duration_seconds_bucket{le=\"120.0\"} 3",
                "sluice_delivery_duration_seconds_bucket{le=\"+Inf\"} 4",
                "sluice_delivery_duration_seconds_count 4",
                "sluice_delivery_duration_seconds_sum 203.305");
        assertThat(lines.stream().filter(l -> l.startsWith("sluice_delivery_duration_seconds_bucket"))).hasSize(14);
    }

    @Test
    void queueGaugesAreReadAtScrapeTime() {
        Map<String, Integer> byState = new HashMap<>(Map.of("queued", 7, "active", 2));
        Metrics m = new Metrics(new MetricSources(() -> byState, () -> Map.of("example.net", 4),
                () -> new LookupStats(10, 2, 30, Duration.ofMillis(2500)), () -> 4096, () -> 1_000_000));
        byState.put("held", 1);
        assertThat(m.scrape().lines()).contains(
                "sluice_queue_messages{state=\"queued\"} 7.0",
                "sluice_queue_messages{state=\"active\"} 2.0",
                "sluice_queue_messages{state=\"held\"} 1.0",
                "sluice_queue_destination_messages{destination=\"example.net\"} 4.0",
                "sluice_dns_queries_total 10.0",
                "sluice_dns_failures_total 2.0",
                "sluice_dns_cache_hits_total 30.0",
                "sluice_dns_lookup_seconds_total 2.5",
                "sluice_spool_bytes 4096.0",
                "sluice_disk_free_bytes 1000000.0");
    }

    @Test
    void destinationsBeyondTheTop50AreSummedAsOther() {
        Map<String, Integer> byDest = new LinkedHashMap<>();
        for (int i = 1; i <= 60; i++) byDest.put("d" + i + ".example", i);
        Metrics m = new Metrics(new MetricSources(null, () -> byDest, null, null, null));
        List<String> lines = m.scrape().lines().filter(l -> l.startsWith("sluice_queue_destination_messages{")).toList();
        assertThat(lines).hasSize(51)
                .contains("sluice_queue_destination_messages{destination=\"d60.example\"} 60.0",
                        "sluice_queue_destination_messages{destination=\"d11.example\"} 11.0",
                        "sluice_queue_destination_messages{destination=\"other\"} 55.0") // 1 + … + 10
                .noneMatch(l -> l.contains("\"d10.example\""));
    }

    @Test
    void topKeepsEverythingWhenThereAreFewDestinations() {
        assertThat(ScrapeGauges.top(Map.of("b", 1, "a", 1, "c", 5), 50))
                .containsExactly(Map.entry("c", 5L), Map.entry("a", 1L), Map.entry("b", 1L));
        assertThat(ScrapeGauges.top(Map.of("b", 1, "a", 1, "c", 5), 2))
                .containsExactly(Map.entry("c", 5L), Map.entry("a", 1L), Map.entry("other", 1L));
    }

    @Test
    void aFailingSourceCostsOnlyItsOwnLines() {
        Metrics m = new Metrics(new MetricSources(() -> {
            throw new IllegalStateException("spool closed");
        }, null, () -> {
            throw new IllegalStateException("resolver closed");
        }, () -> {
            throw new IllegalStateException("no disk");
        }, () -> 5));
        m.publish(received(25));
        assertThat(m.scrape().lines()).contains("sluice_messages_received_total{listener=\"25\"} 1.0",
                "sluice_disk_free_bytes 5.0");
    }

    /** Named groups one series each; the per-domain lanes of "*" summed into one, so the series stay bounded. */
    @Test
    void shapingGaugesExportNamedGroupsAndSumTheDomainLanes() {
        List<ShapingGauges.Lane> lanes = new ArrayList<>(List.of(
                new ShapingGauges.Lane("ip1", "google", 25, 2, true),
                new ShapingGauges.Lane("ip2", "google", 50, 5, false)));
        for (int i = 0; i < 1000; i++) lanes.add(new ShapingGauges.Lane("ip1", "*", 2, 1, i == 7));
        lanes.add(new ShapingGauges.Lane("ip2", "*", 2, 1, false));
        lanes.add(new ShapingGauges.Lane("ip2", "*", 0, 0, false)); // a domain without limits: the sum has none
        Metrics m = new Metrics().shaping(new ShapingGauges.Sources(() -> lanes, () -> List.of(
                new ShapingGauges.Warmup("ip3", "google", 40, 50), new ShapingGauges.Warmup("ip3", "yahoo", 0, 50))));
        List<String> scrape = m.scrape().lines().toList();
        assertThat(scrape).contains(
                "sluice_shaping_rate_limit{group=\"google\",source=\"ip1\"} 25.0",
                "sluice_shaping_rate_limit{group=\"google\",source=\"ip2\"} 50.0",
                "sluice_shaping_rate_limit{group=\"*\",source=\"ip1\"} 2000.0",
                "sluice_shaping_rate_limit{group=\"*\",source=\"ip2\"} 0.0",
                "sluice_shaping_connections{group=\"google\",source=\"ip1\"} 2.0",
                "sluice_shaping_connections{group=\"*\",source=\"ip1\"} 1000.0",
                "sluice_shaping_connections{group=\"*\",source=\"ip2\"} 0.0",
                "sluice_shaping_backoff{group=\"google\",source=\"ip1\"} 1.0",
                "sluice_shaping_backoff{group=\"google\",source=\"ip2\"} 0.0",
                "sluice_shaping_backoff{group=\"*\",source=\"ip1\"} 1.0",
                "sluice_shaping_backoff{group=\"*\",source=\"ip2\"} 0.0",
                "sluice_warmup_sent_today{group=\"google\",source=\"ip3\"} 40.0",
                "sluice_warmup_cap_today{group=\"google\",source=\"ip3\"} 50.0",
                "sluice_warmup_cap_today{group=\"yahoo\",source=\"ip3\"} 50.0");
        assertThat(scrape.stream().filter(l -> l.startsWith("sluice_shaping_rate_limit{"))).hasSize(4);
    }

    /** The lanes may be many (one per domain): a scrape walks them once for its three gauges, not three times. */
    @Test
    void aScrapeWalksTheLanesOnce() {
        java.util.concurrent.atomic.AtomicInteger walks = new java.util.concurrent.atomic.AtomicInteger();
        Metrics m = new Metrics().shaping(new ShapingGauges.Sources(() -> {
            walks.incrementAndGet();
            return List.of(new ShapingGauges.Lane("ip1", "google", 5, 1, false));
        }, null));
        assertThat(m.scrape()).contains("sluice_shaping_backoff{group=\"google\",source=\"ip1\"} 0.0");
        assertThat(walks.get()).isEqualTo(1);
    }

    @Test
    void aFailingShapingSourceCostsOnlyItsOwnLines() {
        Metrics m = new Metrics().shaping(new ShapingGauges.Sources(() -> {
            throw new IllegalStateException("shaper closed");
        }, () -> List.of(new ShapingGauges.Warmup("ip3", "google", 1, 50))));
        assertThat(m.scrape().lines()).contains("sluice_warmup_sent_today{group=\"google\",source=\"ip3\"} 1.0")
                .noneMatch(l -> l.startsWith("sluice_shaping_rate_limit{"));
    }

    @Test
    void metricsOfTwoInstancesDoNotMix() {
        Metrics a = new Metrics();
        Metrics b = new Metrics();
        a.publish(received(25));
        assertThat(b.scrape()).doesNotContain("sluice_messages_received_total{listener=\"25\"}");
    }

    @Test
    void contentTypeIsTheTextFormat() throws Exception {
        assertThat(Metrics.CONTENT_TYPE).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        Metrics m = new Metrics();
        var out = new ByteArrayOutputStream();
        m.writeTo(out);
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(m.scrape());
    }

    /** Every metric, with data, through Prometheus's own parser and linter. */
    @Test
    void promtoolAcceptsTheScrape() throws Exception {
        assumeTrue(Peer.available("promtool"), "promtool (package prometheus) is installed by .ci/run");
        Metrics m = new Metrics(new MetricSources(() -> Map.of("queued", 3), () -> Map.of("example.net", 2),
                () -> new LookupStats(1, 0, 0, Duration.ofMillis(3)), () -> 1, () -> 2))
                .shaping(new ShapingGauges.Sources(() -> List.of(new ShapingGauges.Lane("ip1", "google", 0.5, 1, true),
                        new ShapingGauges.Lane("ip1", "*", 0, 0, false)),
                        () -> List.of(new ShapingGauges.Warmup("ip1", "google", 10, 50))));
        List<DeliveryEvent> all = new ArrayList<>();
        events().forEach(a -> {
            @SuppressWarnings("unchecked")
            List<DeliveryEvent> list = (List<DeliveryEvent>) a.get()[1];
            all.addAll(list);
        });
        all.forEach(m::publish);
        String scrape = m.scrape();
        Peer.Result r = Peer.run(List.of(promtool(), "check", "metrics"), scrape, 30);
        assertThat(r.output()).as("promtool output for:%n%s", scrape).isBlank();
        assertThat(r.exit()).isZero();
    }

    private static String promtool() {
        for (String p : List.of("/usr/bin/promtool", "/usr/local/bin/promtool")) {
            if (new java.io.File(p).canExecute()) return p;
        }
        return "promtool";
    }
}
