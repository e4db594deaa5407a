package sluice.delivery;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Recent connect latency and failure rate per remote host (exponentially weighted), so that among MX hosts of
 * equal preference the faster, healthier ones are tried first. Never reorders across preferences.
 */
public final class HostStats {
    private static final double ALPHA = 0.3;

    private record Stat(double latencyMillis, double failureRate) {}

    private final ConcurrentHashMap<String, Stat> stats = new ConcurrentHashMap<>();

    public void success(String host, long connectMillis) {
        stats.merge(host, new Stat(connectMillis, 0), (old, now) ->
                new Stat(old.latencyMillis * (1 - ALPHA) + connectMillis * ALPHA, old.failureRate * (1 - ALPHA)));
    }

    public void failure(String host) {
        stats.merge(host, new Stat(0, 1), (old, now) -> new Stat(old.latencyMillis, old.failureRate * (1 - ALPHA) + ALPHA));
    }

    /** Lower is better: unknown hosts score 0 (tried in their shuffled place); failures weigh like 10 s of latency. */
    public double score(String host) {
        Stat s = stats.get(host);
        return s == null ? 0 : s.latencyMillis + s.failureRate * 10_000;
    }
}
