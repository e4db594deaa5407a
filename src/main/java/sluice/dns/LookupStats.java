package sluice.dns;

import java.time.Duration;

/** Counters of a resolver since it was created: queries sent upstream, failed ones, answers served from cache, time spent waiting. */
public record LookupStats(long queries, long failures, long cacheHits, Duration totalLatency) {}
