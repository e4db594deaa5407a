package sluice.observe;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The Prometheus metrics of one node, counted from the event fan-out ({@link Events}) and, for queue, DNS and
 * disk numbers, read from {@link MetricSources} at scrape time. Its own registry, not the client's global one, so
 * that several nodes in one JVM (tests) do not mix their numbers.
 */
public final class Metrics implements EventSink {
    /** The content type of {@link #scrape()}: the Prometheus text format 0.0.4. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    static final List<String> DELIVERY_RESULTS = List.of("delivered", "deferred", "bounced", "expired");
    static final List<String> AUTH_RESULTS = List.of("success", "failure", "locked_out", "unavailable");
    private static final List<String> TLS_VERSIONS = List.of("TLSv1.2", "TLSv1.3"); // what TlsContexts enables
    private static final double[] DELIVERY_BUCKETS = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
    private static final double[] SESSION_BUCKETS = {0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    private final Counter connections = counter("sluice_connections_total",
            "Client connections admitted to a session.", "listener", "port");
    private final Gauge activeConnections = Gauge.builder().name("sluice_connections_active")
            .help("Client sessions open now.").labelNames("listener", "port").withoutExemplars().register(registry);
    private final Counter refusedConnections = counter("sluice_connections_rejected_total",
            "Client connections turned away before their session, by reason.", "listener", "port", "reason");
    private final Counter tlsSessions = counter("sluice_tls_sessions_total",
            "TLS handshakes completed with clients (implicit TLS and STARTTLS).", "listener", "version");
    private final Counter auth = counter("sluice_auth_total", "AUTH attempts by result.", "result");
    private final Counter shapingChanges = counter("sluice_shaping_events_total",
            "Shaping changes by egress source, destination group and event (backoff, suspended, resumed;"
                    + " listed and delisted with the DNS blocklist zone as group).",
            "source", "group", "event");
    private final Counter received = counter("sluice_messages_received_total",
            "Messages accepted and queued, by listener port (\"internal\" for DSNs and other local sources).",
            "listener");
    private final Counter rejected = counter("sluice_messages_rejected_total",
            "Refused mail transaction commands (MAIL, RCPT, end of data), by listener port.", "listener");
    private final Counter bounceClasses = counter("sluice_bounce_class_total",
            "Deferred, bounced and expired recipients by the class of the reply (bounce-rules.txt).", "result", "class");
    private final Counter suppressed = counter("sluice_suppressed_total",
            "Recipients not sent to because they are on the suppression list (drop mode).");
    private final Counter deliveries = counter("sluice_deliveries_total",
            "Delivery attempt outcomes per recipient.", "result");
    private final Counter replies = counter("sluice_replies_total",
            "SMTP replies: outbound = remote servers' answers to delivery attempts; inbound = Sluice's answers"
                    + " ending mail transactions (refusals and the 250 of queued messages).",
            "direction", "class", "code");
    private final Histogram deliveryDuration = Histogram.builder().name("sluice_delivery_duration_seconds")
            .help("Duration of delivery attempts (expired messages, which make no attempt, are left out).")
            .classicOnly().classicUpperBounds(DELIVERY_BUCKETS).withoutExemplars().register(registry);
    private final Histogram sessionDuration = Histogram.builder().name("sluice_session_duration_seconds")
            .help("Duration of client sessions, from admission to close.").labelNames("listener")
            .classicOnly().classicUpperBounds(SESSION_BUCKETS).withoutExemplars().register(registry);

    /** Metrics from events only: no queue, DNS or disk numbers. */
    public Metrics() {
        this(MetricSources.NONE);
    }

    public Metrics(MetricSources sources) {
        for (String r : AUTH_RESULTS) auth.initLabelValues(r);
        for (String r : DELIVERY_RESULTS) deliveries.initLabelValues(r);
        replies.initLabelValues("outbound", "2xx", "250"); // the series exist, at zero, before the first message
        replies.initLabelValues("inbound", "2xx", "250");
        ScrapeGauges.register(registry, sources);
    }

    /** {@code sluice_disk_reserve_bytes}: the free space below which new mail is refused (452 4.3.1). */
    public Metrics diskReserve(long bytes) {
        io.prometheus.metrics.core.metrics.Gauge g = io.prometheus.metrics.core.metrics.Gauge.builder()
                .name("sluice_disk_reserve_bytes").help("Free space in the data dir below which new mail gets 452 4.3.1.")
                .withoutExemplars().register(registry);
        g.set(bytes);
        return this;
    }

    /** {@code sluice_alert_active{kind}}: 1 while an alert (bounce_rate, queue_growth, blocklist, suspended) is raised. */
    public Metrics alerts(Alerts alerts) {
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder().name("sluice_alert_active")
                .help("1 while the alert is raised (bounce_rate: the 1-hour bounce rate is above the threshold; "
                        + "queue_growth: the queue keeps growing; blocklist: an egress address is listed; "
                        + "suspended: an egress source is suspended for a destination group after a reputation block).")
                .labelNames("kind")
                .callback(cb -> {
                    for (String kind : List.of("bounce_rate", "queue_growth", "blocklist", "suspended")) {
                        cb.call(alerts.active().stream().anyMatch(a -> a.kind().equals(kind)) ? 1 : 0, kind);
                    }
                })
                .register(registry);
        return this;
    }

    /**
     * {@code sluice_suppression_entries}, {@code sluice_suppression_writes_pending} and
     * {@code sluice_suppression_writes_refused_total}, read when scraped.
     */
    public Metrics suppression(java.util.function.LongSupplier entries, java.util.function.LongSupplier pending,
                               java.util.function.LongSupplier refused) {
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder().name("sluice_suppression_entries")
                .help("Entries on the suppression list.")
                .callback(cb -> cb.call(entries.getAsLong())).register(registry);
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder().name("sluice_suppression_writes_pending")
                .help("Suppression changes queued for the list's writer thread, not yet stored.")
                .callback(cb -> cb.call(pending.getAsLong())).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("sluice_suppression_writes_refused")
                .help("Hard-bounce suppression entries NOT recorded because the writer's buffer was full.")
                .callback(cb -> cb.call(refused.getAsLong())).register(registry);
        return this;
    }

    /**
     * {@code sluice_tls_report_attempts_dropped_total} (delivery attempts not counted for RFC 8460 reports because a
     * cap was reached), {@code sluice_tls_reports_total{result="sent"}} (reports queued or POSTed) and
     * {@code {result="failed"}} (sending attempts that failed and are retried or given up), read when scraped.
     */
    public Metrics tlsReports(java.util.function.LongSupplier dropped, java.util.function.LongSupplier sent,
                              java.util.function.LongSupplier failed) {
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("sluice_tls_report_attempts_dropped")
                .help("Delivery attempts not counted for TLS reports because a cap was reached.")
                .callback(cb -> cb.call(dropped.getAsLong())).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("sluice_tls_reports")
                .help("RFC 8460 TLS reports sent (queued or POSTed) and failed sending attempts.")
                .labelNames("result")
                .callback(cb -> {
                    cb.call(sent.getAsLong(), "sent");
                    cb.call(failed.getAsLong(), "failed");
                }).register(registry);
        return this;
    }

    /**
     * {@code sluice_mta_sts_fetches_total{result}} (policy fetches: fetched, failed) and
     * {@code sluice_dnssec_answers_total{status}} (validated lookups asked upstream: secure, insecure, bogus, failed),
     * read when scraped; each map is its counters by label.
     */
    public Metrics transit(java.util.function.Supplier<java.util.Map<String, Long>> stsFetches,
                           java.util.function.Supplier<java.util.Map<String, Long>> dnssecAnswers) {
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("sluice_mta_sts_fetches")
                .help("MTA-STS policy fetches, by result.").labelNames("result")
                .callback(cb -> stsFetches.get().forEach((k, v) -> cb.call(v, k))).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("sluice_dnssec_answers")
                .help("DNSSEC-validated answers (DANE's lookups), by status.").labelNames("status")
                .callback(cb -> dnssecAnswers.get().forEach((k, v) -> cb.call(v, k))).register(registry);
        return this;
    }

    /**
     * {@code sluice_cluster_degraded} (1 while Redis is unreachable and this node keeps to its share of each shared
     * limit), {@code sluice_cluster_nodes_alive}, {@code sluice_cluster_redis_calls_total} and
     * {@code sluice_cluster_redis_failures_total}, read when scraped (cluster mode only).
     */
    public Metrics cluster(java.util.function.BooleanSupplier degraded, java.util.function.IntSupplier alive,
                           java.util.function.LongSupplier calls, java.util.function.LongSupplier failures) {
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder().name("sluice_cluster_degraded")
                .help("1 while Redis is unreachable and this node keeps to its share of every shared limit, else 0.")
                .callback(cb -> cb.call(degraded.getAsBoolean() ? 1 : 0)).register(registry);
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder().name("sluice_cluster_nodes_alive")
                .help("Nodes whose heartbeat reached Redis in the last 5 seconds, as of this node's last heartbeat.")
                .callback(cb -> cb.call(alive.getAsInt())).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("sluice_cluster_redis_calls")
                .help("Redis calls (round trips) this node made.")
                .callback(cb -> cb.call(calls.getAsLong())).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("sluice_cluster_redis_failures")
                .help("Redis calls that failed (timed out, refused, unreachable).")
                .callback(cb -> cb.call(failures.getAsLong())).register(registry);
        return this;
    }

    /**
     * The suppression list's replica (cluster mode): {@code sluice_suppression_replica_waiting} (changes of this node
     * not yet in Redis), {@code _published_total}, {@code _applied_total} (changes from other nodes applied here)
     * and {@code _overflowed_total} (changes kept local because the outbox was full).
     */
    public Metrics suppressionReplica(java.util.function.IntSupplier waiting, java.util.function.LongSupplier published,
                                      java.util.function.LongSupplier applied, java.util.function.LongSupplier overflowed) {
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder().name("sluice_suppression_replica_waiting")
                .help("Suppression changes of this node waiting to be published to Redis (kept on disk while it is down).")
                .callback(cb -> cb.call(waiting.getAsInt())).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("sluice_suppression_replica_published")
                .help("Suppression changes of this node published to Redis.")
                .callback(cb -> cb.call(published.getAsLong())).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("sluice_suppression_replica_applied")
                .help("Suppression changes from other nodes (or a sync with Redis) applied to this node's copy.")
                .callback(cb -> cb.call(applied.getAsLong())).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("sluice_suppression_replica_overflowed")
                .help("Suppression changes kept on this node only because the outbox for Redis was full.")
                .callback(cb -> cb.call(overflowed.getAsLong())).register(registry);
        return this;
    }

    /** One egress source's standing in one DNS blocklist zone, as the last check found it. */
    public record SourceZone(String source, String zone, boolean listed) {}

    /** {@code sluice_egress_listed{source,zone}}: 1 while the source's address is listed in the zone, else 0. */
    public Metrics egressListings(java.util.function.Supplier<List<SourceZone>> listings) {
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder().name("sluice_egress_listed")
                .help("1 while the egress source's own address is listed in the DNS blocklist zone ([egress] "
                        + "dnsbl_zones), else 0; as of the last check.")
                .labelNames("source", "zone")
                .callback(cb -> {
                    for (SourceZone z : listings.get()) cb.call(z.listed() ? 1 : 0, z.source(), z.zone());
                })
                .register(registry);
        return this;
    }

    /**
     * {@code sluice_shaping_rate_limit}, {@code sluice_shaping_connections}, {@code sluice_shaping_backoff},
     * {@code sluice_warmup_sent_today} and {@code sluice_warmup_cap_today}, per source and group, read when scraped.
     */
    public Metrics shaping(ShapingGauges.Sources sources) {
        ShapingGauges.register(registry, sources);
        return this;
    }

    /**
     * {@code sluice_webhook_events_waiting}, {@code sluice_webhook_oldest_waiting_seconds}, {@code
     * sluice_webhook_disabled} and {@code sluice_webhook_deliveries_total}, per endpoint.
     */
    public Metrics webhooks(Webhooks webhooks) {
        WebhookGauges.register(registry, webhooks::status, webhooks::now);
        return this;
    }

    private Counter counter(String name, String help, String... labels) {
        return Counter.builder().name(name).help(help).labelNames(labels).withoutExemplars().register(registry);
    }

    /** Counts one event; quick, lock-free apart from the client's own striped counters. */
    @Override
    public void publish(DeliveryEvent event) {
        switch (event) {
            case DeliveryEvent.ListenerStarted l -> listenerStarted(l.mode(), Integer.toString(l.port()));
            case DeliveryEvent.ConnectionOpened o -> {
                connections.labelValues(label(o.mode()), Integer.toString(o.port())).inc();
                activeConnections.labelValues(label(o.mode()), Integer.toString(o.port())).inc();
            }
            case DeliveryEvent.ConnectionRefused r ->
                    refusedConnections.labelValues(label(r.mode()), Integer.toString(r.port()), label(r.reason())).inc();
            case DeliveryEvent.ConnectionClosed c -> {
                activeConnections.labelValues(label(c.mode()), Integer.toString(c.port())).dec();
                sessionDuration.labelValues(label(c.mode())).observe(c.durationMs() / 1000.0);
            }
            case DeliveryEvent.TlsEstablished t -> tlsSessions.labelValues(label(t.mode()), label(t.version())).inc();
            case DeliveryEvent.AuthAttempt a -> {
                if (AUTH_RESULTS.contains(a.result())) auth.labelValues(a.result()).inc();
            }
            case DeliveryEvent.Received r -> {
                received.labelValues(listener(r.listener())).inc();
                reply("inbound", 250);
            }
            case DeliveryEvent.Rejected r -> {
                rejected.labelValues(listener(r.listener())).inc();
                reply("inbound", r.code());
            }
            case DeliveryEvent.Attempt a -> attempt(a);
            case DeliveryEvent.QueueAction q -> {
                // operators' actions are in the delivery log; nothing to count
            }
            case DeliveryEvent.Shaping s -> shapingChanges.labelValues(label(s.egressSource()), label(s.group()),
                    label(s.event())).inc();
        }
    }

    /** The listener's series start at zero, so that a dashboard sees them before the first client. */
    private void listenerStarted(String mode, String port) {
        connections.initLabelValues(label(mode), port);
        activeConnections.initLabelValues(label(mode), port);
        received.initLabelValues(port);
        rejected.initLabelValues(port);
        for (String version : TLS_VERSIONS) tlsSessions.initLabelValues(label(mode), version);
    }

    private void attempt(DeliveryEvent.Attempt a) {
        if (a.event().equals("suppressed")) suppressed.inc();
        if (!DELIVERY_RESULTS.contains(a.event())) return;
        // As in Stats: an operator's bounce or a local failure (no remote host) is no remote verdict, so neither a
        // bounce class nor an outbound reply. Classes come from a fixed list (BounceClassifier.CLASSES): bounded labels.
        boolean remote = a.remoteHost() != null;
        if (a.bounceClass() != null && (remote || !a.event().equals("bounced"))) {
            bounceClasses.labelValues(a.event(), a.bounceClass()).inc();
        }
        deliveries.labelValues(a.event()).inc();
        if (!a.event().equals("expired")) deliveryDuration.observe(a.durationMs() / 1000.0);
        if (remote) reply("outbound", a.code());
    }

    /** Only well-formed codes become labels: a remote server cannot grow the label set beyond 400 values. */
    private void reply(String direction, int code) {
        if (code < 200 || code > 599) return;
        replies.labelValues(direction, (code / 100) + "xx", Integer.toString(code)).inc();
    }

    private static String listener(int port) {
        return port > 0 ? Integer.toString(port) : "internal";
    }

    private static String label(String value) {
        return value == null ? "unknown" : value;
    }

    /** Writes every metric in the Prometheus text format ({@link #CONTENT_TYPE}). */
    public void writeTo(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }

    /** Every metric in the Prometheus text format ({@link #CONTENT_TYPE}). */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16384);
        try {
            writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
