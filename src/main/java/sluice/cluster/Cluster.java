package sluice.cluster;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import sluice.config.ClusterConfig;

/**
 * Cluster mode's parts, built from {@code [cluster]}: the Redis link, the node's health (shared or degraded) and
 * the membership heartbeat. The shared-state stores (lanes, warm-up, counters, suppression, idempotency) are made
 * from these by the composition root.
 */
public final class Cluster implements AutoCloseable {
    private final ClusterConfig config;
    private final RedisLink redis;
    private final ClusterHealth health;
    private final Membership membership;

    private Cluster(ClusterConfig config, RedisLink redis, ClusterHealth health, Membership membership) {
        this.config = config;
        this.redis = redis;
        this.health = health;
        this.membership = membership;
    }

    /**
     * Connects and beats once. A Redis that does not answer is not a failure to start: the node starts degraded
     * (its share of every limit) and the heartbeat brings it in when Redis answers.
     *
     * @throws IOException when a file the config names (password, CA) cannot be read
     */
    public static Cluster start(ClusterConfig config, String nodeName, LongSupplier queue, Supplier<String> state,
                                Clock clock) throws IOException {
        ClusterHealth health = new ClusterHealth(clock, System::nanoTime);
        RedisLink redis = RedisLink.open(config, "sluice-" + nodeName, health);
        Membership membership = new Membership(nodeName, redis, health, config.degradedShare(), queue, state, clock);
        membership.start();
        return new Cluster(config, redis, health, membership);
    }

    public RedisLink redis() {
        return redis;
    }

    public ClusterHealth health() {
        return health;
    }

    public Membership membership() {
        return membership;
    }

    public String nodeName() {
        return membership.name();
    }

    /** The state for the API, the dashboard and the CLI. */
    public ClusterView view() {
        Instant since = health.degradedSince();
        return new ClusterView(redis.clustered() ? "redis_cluster" : "redis", membership.name(), redis.description(),
                health.degraded() ? "degraded" : "shared", since, health.lastError(), membership.share(), redis.calls(),
                membership.members());
    }

    /** What a single node shows. */
    public static ClusterView single(String nodeName) {
        return new ClusterView("single", nodeName, null, "single", null, null, 1.0, 0, java.util.List.of());
    }

    public ClusterConfig config() {
        return config;
    }

    @Override
    public void close() {
        membership.close();
        redis.close();
    }
}
