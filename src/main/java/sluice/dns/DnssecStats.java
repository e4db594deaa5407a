package sluice.dns;

/**
 * Validated lookups sent upstream since start (cache hits not counted), by outcome; for the metrics
 * {@code sluice_dnssec_answers_total{status="secure|insecure|bogus|failed"}}.
 */
public record DnssecStats(long secure, long insecure, long bogus, long failed) {}
