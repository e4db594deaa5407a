package sluice.cluster;

import java.time.Instant;
import java.util.List;

/**
 * What {@code GET /api/v1/cluster}, the dashboard and the metrics show.
 *
 * @param mode           "single", "redis" or "redis_cluster"
 * @param node           this node's name
 * @param redis          where Redis is (never with a password), or null on a single node
 * @param state          "single", "shared" or "degraded"
 * @param degradedSince  when this node last lost Redis, or null
 * @param lastError      Redis's last failure, or null
 * @param share          the share of each shared limit this node uses while degraded
 * @param redisCalls     Redis calls made since start
 * @param members        every node seen in the last day, this one included
 */
public record ClusterView(String mode, String node, String redis, String state, Instant degradedSince,
                          String lastError, double share, long redisCalls, List<Member> members) {

    /**
     * @param lastSeen when the node's last heartbeat reached Redis
     * @param alive    a heartbeat within {@link Membership#ALIVE_MILLIS}
     * @param queue    messages on its spool at its last heartbeat
     * @param state    its own word: "shared", "degraded", "draining"
     */
    public record Member(String name, Instant lastSeen, boolean alive, long queue, String state, Instant started,
                         boolean self) {}
}
