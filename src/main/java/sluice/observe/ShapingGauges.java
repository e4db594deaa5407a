package sluice.observe;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shaping gauges, read from the shaper and the warm-up ledger at scrape time. Source and group names come
 * from the config, but lanes of group "*" exist per recipient domain: they are exported summed under
 * {@code group="*"} (limits added, backoff 1 if any domain backs off), so the series stay bounded.
 */
public final class ShapingGauges {
    private static final Logger log = LoggerFactory.getLogger(ShapingGauges.class);

    /**
     * One lane as the metrics see it (observe does not import the shaping room, which publishes to it).
     *
     * @param ratePerSecond messages per second allowed now; 0: no limit
     * @param connections   connections allowed now; 0: no limit
     * @param backoff       backing off or suspended
     */
    public record Lane(String source, String group, double ratePerSecond, int connections, boolean backoff) {}

    /** One warming source's day for one group. */
    public record Warmup(String source, String group, long sentToday, long capToday) {}

    /** What the gauges read; either may be null (its gauges are left out). */
    public record Sources(Supplier<List<Lane>> lanes, Supplier<List<Warmup>> warmup) {}

    private ShapingGauges() {}

    static void register(PrometheusRegistry registry, Sources s) {
        if (s.lanes() != null) {
            // One walk of the lanes (there may be many domain lanes) serves the three gauges of a scrape.
            Supplier<List<Total>> totals = new Memo<>(() -> totals(read(s.lanes())), 1_000_000_000L);
            lanes(registry, totals, "sluice_shaping_rate_limit",
                    "Messages per second an egress source may send to a destination group now (lowered while backing"
                            + " off); 0: no limit. Group \"*\": the sum over its domains, 0 if any has no limit.",
                    Total::rate);
            lanes(registry, totals, "sluice_shaping_connections",
                    "Connections an egress source may open to a destination group now; 0: no limit."
                            + " Group \"*\": the sum over its domains, 0 if any has no limit.",
                    Total::connections);
            lanes(registry, totals, "sluice_shaping_backoff",
                    "1 while the egress source backs off from or is suspended for the destination group, else 0."
                            + " Group \"*\": 1 if any of its domains.",
                    Total::backoff);
        }
        if (s.warmup() != null) {
            warmup(registry, s.warmup(), "sluice_warmup_sent_today",
                    "Messages a warming egress source sent to the destination group today.", Warmup::sentToday);
            warmup(registry, s.warmup(), "sluice_warmup_cap_today",
                    "Today's warm-up cap of the egress source for the destination group.", Warmup::capToday);
        }
    }

    /** The lanes of one (source, group) added up: one for a named group, the domains' for "*"; -1: no limit. */
    record Total(String source, String group, double summedRate, double summedConnections, double backoff) {
        Total plus(Lane l) {
            // 0 is "no limit": a sum with an unlimited lane is unlimited
            double r = summedRate < 0 || l.ratePerSecond() == 0 ? -1 : summedRate + l.ratePerSecond();
            double c = summedConnections < 0 || l.connections() == 0 ? -1 : summedConnections + l.connections();
            return new Total(source, group, r, c, Math.max(backoff, l.backoff() ? 1 : 0));
        }

        /** The exported value: 0 for no limit. */
        public double rate() {
            return Math.max(0, summedRate);
        }

        public double connections() {
            return Math.max(0, summedConnections);
        }
    }

    static List<Total> totals(List<Lane> lanes) {
        Map<List<String>, Total> out = new LinkedHashMap<>();
        for (Lane l : lanes) {
            out.merge(List.of(l.source(), l.group()), new Total(l.source(), l.group(), 0, 0, 0).plus(l),
                    (a, b) -> a.plus(l));
        }
        return new ArrayList<>(out.values());
    }

    private static void lanes(PrometheusRegistry registry, Supplier<List<Total>> totals, String name, String help,
                              java.util.function.ToDoubleFunction<Total> value) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("source", "group")
                .callback(cb -> {
                    for (Total t : totals.get()) cb.call(value.applyAsDouble(t), t.source(), t.group());
                })
                .register(registry);
    }

    /** A value kept for {@code ttlNanos}: computed by the first reader, shared by those within the same scrape. */
    static final class Memo<T> implements Supplier<T> {
        private final Supplier<T> source;
        private final long ttlNanos;
        private T value;
        private long at;

        Memo(Supplier<T> source, long ttlNanos) {
            this.source = source;
            this.ttlNanos = ttlNanos;
        }

        @Override
        public synchronized T get() {
            long now = System.nanoTime();
            if (value == null || now - at > ttlNanos) {
                value = source.get();
                at = now;
            }
            return value;
        }
    }

    private static void warmup(PrometheusRegistry registry, Supplier<List<Warmup>> source, String name, String help,
                               java.util.function.ToLongFunction<Warmup> value) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("source", "group")
                .callback(cb -> {
                    Map<List<String>, Long> sums = new LinkedHashMap<>();
                    for (Warmup w : read(source)) {
                        sums.merge(List.of(w.source(), w.group()), value.applyAsLong(w), Long::sum);
                    }
                    sums.forEach((k, v) -> cb.call(v, k.get(0), k.get(1)));
                })
                .register(registry);
    }

    /** A failing source costs its own lines, not the scrape. */
    private static <T> List<T> read(Supplier<List<T>> source) {
        try {
            List<T> l = source.get();
            return l == null ? List.of() : l;
        } catch (RuntimeException e) {
            log.warn("metrics: shaping state unavailable: {}", e.toString());
            return List.of();
        }
    }
}
