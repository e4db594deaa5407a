package sluice.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Shared state through Redis. Neither {@code redis} nor {@code redisCluster} set: a single node.
 *
 * @param redis         "redis://[user:password@]IP:PORT[/DB]" or "rediss://…" (TLS); "" when not used
 * @param redisCluster  Redis Cluster seed nodes (literal IPs with ports); empty when not used
 * @param nodeName      this node's name in the cluster ("" = the configured hostname)
 * @param degradedShare the share of each shared limit this node may use while Redis is unreachable; null = "auto"
 *                      (1 / the nodes last seen alive)
 * @param passwordFile  a file holding the Redis password (first line), or null
 * @param caFile        PEM certificates to trust for rediss:// besides the JDK's store, or null
 * @param tls           TLS to the {@code redis_cluster} seeds (a rediss:// URL implies it)
 * @param timeout       connect and read timeout of one Redis call
 */
public record ClusterConfig(String redis, List<HostPort> redisCluster, String nodeName, Double degradedShare,
                            Path passwordFile, Path caFile, boolean tls, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(250);

    /** A single node: no Redis. */
    public static ClusterConfig single() {
        return new ClusterConfig("", List.of(), "", null, null, null, false, DEFAULT_TIMEOUT);
    }

    public ClusterConfig {
        redisCluster = List.copyOf(redisCluster);
    }

    /** Whether this node shares state with others through Redis. */
    public boolean enabled() {
        return !redis.isEmpty() || !redisCluster.isEmpty();
    }
}
