package sluice.delivery;

import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.ConcurrentMap;

/**
 * Recent connect latency and failure rate per remote host (exponentially weighted), so that among MX hosts of
 * equal preference the faster, healthier ones are tried first. Never reorders across preferences.
 *
 * <p>Hosts come from the MX records of whatever domains mail is sent to, so the table is a bounded cache: a
 * host not contacted for an hour is forgotten (its figures are stale anyway), and beyond {@code maxHosts} the
 * least useful are evicted. A forgotten host scores 0, like any host not yet seen.
 */
public final class HostStats {
    private static final double ALPHA = 0.3;

    private record Stat(double latencyMillis, double failureRate) {}

    static final long DEFAULT_MAX_HOSTS = 10_000;

    private final ConcurrentMap<String, Stat> stats;

    public HostStats() {
        this(DEFAULT_MAX_HOSTS);
    }

    HostStats(long maxHosts) {
        this.stats = Caffeine.newBuilder()
                .maximumSize(maxHosts)
                .expireAfterWrite(Duration.ofHours(1))
                .executor(Runnable::run)
                .<String, Stat>build()
                .asMap();
    }

    /** Hosts tracked (for tests). */
    int hosts() {
        return stats.size();
    }

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
