package sluice.observe;

import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import sluice.dns.LookupStats;

/**
 * Numbers the metrics read at scrape time rather than count from events. Any of them may be null: its
 * metrics are then left out. Suppliers are called on the scraping thread and must be quick.
 *
 * @param queueByState       messages in the queue by state (e.g. {@code queued}, {@code active}, {@code held})
 * @param queueByDestination messages waiting or in delivery per destination (the scheduler's view)
 * @param dns                the resolver's counters since start
 * @param spoolBytes         bytes the spool takes on disk
 * @param diskFreeBytes      bytes free on the spool's file system
 */
public record MetricSources(Supplier<Map<String, Integer>> queueByState,
                            Supplier<Map<String, Integer>> queueByDestination,
                            Supplier<LookupStats> dns,
                            LongSupplier spoolBytes,
                            LongSupplier diskFreeBytes) {

    public static final MetricSources NONE = new MetricSources(null, null, null, null, null);
}
