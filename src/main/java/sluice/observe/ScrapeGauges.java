package sluice.observe;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.dns.LookupStats;

/** The metrics computed when scraped, from {@link MetricSources}. A failing source costs its own lines, not the scrape. */
final class ScrapeGauges {
    private static final Logger log = LoggerFactory.getLogger(ScrapeGauges.class);

    /** Destinations shown by name; the rest are summed into {@code other} (bounded label cardinality). */
    static final int TOP_DESTINATIONS = 50;
    static final String OTHER = "other";

    private ScrapeGauges() {}

    static void register(PrometheusRegistry registry, MetricSources s) {
        if (s.queueByState() != null) {
            GaugeWithCallback.builder().name("sluice_queue_messages").help("Messages in the queue by state.")
                    .labelNames("state")
                    .callback(cb -> readMap(s.queueByState()).forEach((state, n) -> cb.call(n, state)))
                    .register(registry);
        }
        if (s.queueByDestination() != null) {
            GaugeWithCallback.builder().name("sluice_queue_destination_messages")
                    .help("Messages waiting or in delivery per destination: the " + TOP_DESTINATIONS
                            + " with the most by name, the others summed as \"other\".")
                    .labelNames("destination")
                    .callback(cb -> top(readMap(s.queueByDestination()), TOP_DESTINATIONS).forEach((d, n) -> cb.call(n, d)))
                    .register(registry);
        }
        if (s.dns() != null) {
            dnsCounter(registry, s.dns(), "sluice_dns_queries_total", "DNS queries sent upstream.", LookupStats::queries);
            dnsCounter(registry, s.dns(), "sluice_dns_failures_total", "DNS queries that failed.", LookupStats::failures);
            dnsCounter(registry, s.dns(), "sluice_dns_cache_hits_total", "DNS answers served from the cache.",
                    LookupStats::cacheHits);
            dnsCounter(registry, s.dns(), "sluice_dns_lookup_seconds_total", "Time spent waiting for DNS answers.",
                    st -> st.totalLatency().toNanos() / 1e9);
        }
        bytes(registry, s.spoolBytes(), "sluice_spool_bytes", "Bytes the spool takes on disk.");
        bytes(registry, s.diskFreeBytes(), "sluice_disk_free_bytes", "Bytes free on the spool's file system.");
    }

    private static void dnsCounter(PrometheusRegistry registry, Supplier<LookupStats> stats, String name, String help,
                                   ToDoubleFunction<LookupStats> value) {
        CounterWithCallback.builder().name(name).help(help)
                .callback(cb -> {
                    LookupStats st = read(stats);
                    if (st != null) cb.call(value.applyAsDouble(st));
                })
                .register(registry);
    }

    private static void bytes(PrometheusRegistry registry, LongSupplier source, String name, String help) {
        if (source == null) return;
        GaugeWithCallback.builder().name(name).help(help)
                .callback(cb -> {
                    try {
                        cb.call(source.getAsLong());
                    } catch (RuntimeException e) {
                        log.warn("metrics: {} unavailable: {}", name, e.toString());
                    }
                })
                .register(registry);
    }

    /** The {@code n} largest entries (ties by name), then the sum of the rest as {@code other} if any are left. */
    static Map<String, Long> top(Map<String, Integer> all, int n) {
        List<Map.Entry<String, Integer>> sorted = new ArrayList<>(all.entrySet());
        sorted.sort(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()));
        Map<String, Long> out = new LinkedHashMap<>();
        long rest = 0;
        for (int i = 0; i < sorted.size(); i++) {
            Map.Entry<String, Integer> e = sorted.get(i);
            if (i < n) out.put(e.getKey(), (long) e.getValue());
            else rest += e.getValue();
        }
        if (sorted.size() > n) out.merge(OTHER, rest, Long::sum);
        return out;
    }

    private static <T> T read(Supplier<T> source) {
        try {
            return source.get();
        } catch (RuntimeException e) {
            log.warn("metrics: a source failed during the scrape: {}", e.toString());
            return null;
        }
    }

    private static Map<String, Integer> readMap(Supplier<Map<String, Integer>> source) {
        Map<String, Integer> m = read(source);
        return m == null ? Map.of() : m;
    }
}
