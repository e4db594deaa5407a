package sluice.cluster;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.shaping.LaneState;

/**
 * Cluster mode's shaping lanes: one {@link RedisLaneState} per (egress source, group), shared by every node through
 * Redis. The lanes answer from memory; one background thread ("cluster-lanes") makes every Redis call: token
 * batches when a bucket runs low, and every {@link #SYNC_MILLIS} one lease sync per lane in use (renewals, spare
 * leases back, the fleet's count, the shared backoff limits); lanes merely used lately every third round.
 */
public final class RedisLaneStates implements LaneState.Factory, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisLaneStates.class);
    static final long SYNC_MILLIS = 300;
    /** A lease not renewed for this long lapses: a node that died without giving its leases back. */
    static final long LEASE_TTL_MILLIS = 10_000;

    private final RedisLink redis;
    private final ClusterHealth health;
    private final Membership membership;
    private final LongSupplier nanos;
    private final String leasePrefix = Long.toString(System.currentTimeMillis(), 36) + "-";
    private final AtomicLong leases = new AtomicLong();
    private final Map<String, RedisLaneState> states = new ConcurrentHashMap<>();
    private final FleetShares shares;
    private long rounds; // of syncAll, on the worker thread only
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("cluster-lanes").daemon(true).factory());

    public RedisLaneStates(Cluster cluster) {
        this(cluster.redis(), cluster.health(), cluster.membership(), System::nanoTime);
    }

    RedisLaneStates(RedisLink redis, ClusterHealth health, Membership membership, LongSupplier nanos) {
        this.redis = redis;
        this.health = health;
        this.membership = membership;
        this.nanos = nanos;
        this.shares = new FleetShares(membership, health, nanos);
        worker.scheduleWithFixedDelay(this::syncAll, SYNC_MILLIS, SYNC_MILLIS, TimeUnit.MILLISECONDS);
        health.onChange(() -> soon(this::syncAll)); // back to shared: register the connections held at once
    }

    @Override
    public LaneState open(String source, String groupKey) {
        // a released state (its lane was forgotten) is never handed out again: its lane may come back with a new one
        return states.compute(prefix(source, groupKey),
                (k, old) -> old == null || old.released() ? new RedisLaneState(this, k) : old);
    }

    /** Forgets a released state (from its own {@code release}); its spare leases go back in the background. */
    void forget(String prefix, RedisLaneState state) {
        states.remove(prefix, state);
        soon(state::releaseAll);
    }

    /** Lane states kept (for tests: a forgotten domain's lane is not). */
    int size() {
        return states.size();
    }

    /** The keys of one lane share one hash tag, so each script touches one slot of a Redis Cluster. */
    static String prefix(String source, String groupKey) {
        return "sluice:{lane:" + clean(source) + ":" + clean(groupKey) + "}:";
    }

    private static String clean(String s) {
        return s.replace('{', '(').replace('}', ')');
    }

    private void syncAll() {
        try {
            if (!health.shared()) return;
            long now = nanos.getAsLong();
            // a lane only used lately (no leases: no connection limit, or idle) is synced every third round, for the
            // backoff limits (adopted within 2 s): a node sending to many domains does not sync each thrice a second
            boolean slowRound = rounds++ % 3 == 0;
            for (RedisLaneState s : states.values()) {
                if (s.busy() || (slowRound && s.recent(now))) s.sync();
                if (!health.shared()) return;
            }
        } catch (RuntimeException e) {
            log.error("cluster: lane sync failed: {}", e.toString(), e);
        }
    }

    boolean shared() {
        return health.shared();
    }

    /** Each node's share of a limit while degraded, and the nodes that may still be degraded. */
    FleetShares shares() {
        return shares;
    }

    long nanos() {
        return nanos.getAsLong();
    }

    String node() {
        return membership.name();
    }

    String newLeaseId() {
        return leasePrefix + leases.incrementAndGet();
    }

    Object eval(Script script, List<String> keys, List<String> args) throws RedisUnavailable {
        return redis.eval(script, keys, args);
    }

    void soon(Runnable r) {
        later(r, 0);
    }

    void later(Runnable r, long delayNanos) {
        try {
            worker.schedule(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    log.error("cluster: lane task failed: {}", e.toString(), e);
                }
            }, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            // stopping: nothing more is asked of Redis
        }
    }

    static long number(Object o) {
        if (o instanceof Long l) return l;
        return Long.parseLong(text(o));
    }

    static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    /** Stops every Redis call at once without giving anything back: what a node that dies does (for tests). */
    void halt() {
        worker.shutdownNow();
    }

    /** Stops the background thread and gives this node's leases back. */
    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (RedisLaneState s : states.values()) s.releaseAll();
    }
}
