package sluice.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import sluice.admin.AdminServer;
import sluice.config.Config;
import sluice.observe.MetricSources;
import sluice.observe.ShapingGauges;
import sluice.shaping.Shaper;

/** The node's readings as the metrics read them when scraped: the queue, the resolver, the spool's disk, shaping. */
final class Gauges {
    private Gauges() {}

    /** The queue's counts, the resolver's (none while delivery is paused), the spool's size and the free space. */
    static MetricSources sources(Config config, AdminServer.QueueCounts counts, Delivery d) {
        return new MetricSources(() -> ints(counts.byState()), () -> ints(counts.byDestination()),
                d == null ? null : () -> d.resolver().stats(), () -> treeSize(config.dataDir().resolve("spool")),
                () -> freeSpace(config.dataDir()));
    }

    /** The shaper's views as the metrics read them (observe does not import the shaping room). */
    static ShapingGauges.Sources shaping(Shaper shaper) {
        return new ShapingGauges.Sources(
                () -> shaper.lanes().stream().map(v -> new ShapingGauges.Lane(v.source(), v.group(), v.ratePerSecond(),
                        v.connections(), v.backingOff() || v.suspended())).toList(),
                () -> shaper.warmup().stream().map(w -> new ShapingGauges.Warmup(w.source(), w.group(), w.sentToday(),
                        w.capToday())).toList());
    }

    private static Map<String, Integer> ints(Map<String, Long> m) {
        Map<String, Integer> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, (int) Math.min(Integer.MAX_VALUE, v)));
        return out;
    }

    /** Bytes of the files under {@code dir} (the spool: a few dozen RocksDB files, cheap to sum at scrape time). */
    private static long treeSize(Path dir) {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0; // compacted away while we looked
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long freeSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
