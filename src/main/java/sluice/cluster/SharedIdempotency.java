package sluice.cluster;

import java.time.Duration;
import redis.clients.jedis.params.SetParams;
import sluice.send.Idempotency;

/**
 * The send API's Idempotency-Key records shared by every node through Redis: one key per record
 * ({@code sluice:{idempotency:HASH}:record}, its own slot on a Redis Cluster), claimed with SET NX GET (one round
 * trip tells a node whether the key is its own or gives it the first node's record), replaced by the answer for
 * the full 24 hours. A claim alone lives {@link #PENDING_TTL}: if its node dies or cannot store the answer, the key
 * is free again after that, not "in progress" for a day. While the node is degraded no call is made: each node
 * keeps to its own records.
 */
public final class SharedIdempotency implements Idempotency.Shared {
    /** Longer than any send request takes (bodies are bounded, the spool commit is milliseconds). */
    static final Duration PENDING_TTL = Duration.ofMinutes(10);
    private final RedisLink redis;
    private final ClusterHealth health;

    public SharedIdempotency(Cluster cluster) {
        this.redis = cluster.redis();
        this.health = cluster.health();
    }

    static String key(String recordKey) {
        // the record key is "idempotency/" + a SHA-256 of user and key: the hash alone names it
        return "sluice:{idempotency:" + recordKey.substring(recordKey.indexOf('/') + 1) + "}:record";
    }

    @Override
    public byte[] claim(String recordKey, byte[] pending, Duration ttl) throws Idempotency.Unavailable {
        byte[] k = key(recordKey).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long pendingMillis = Math.min(ttl.toMillis(), PENDING_TTL.toMillis());
        return run(() -> redis.call(j -> j.setGet(k, pending, SetParams.setParams().nx().px(pendingMillis))));
    }

    @Override
    public void store(String recordKey, byte[] record) throws Idempotency.Unavailable {
        byte[] k = key(recordKey).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        run(() -> redis.call(j -> j.set(k, record, SetParams.setParams().xx().px(Idempotency.TTL.toMillis()))));
    }

    @Override
    public void forget(String recordKey) throws Idempotency.Unavailable {
        run(() -> redis.call(j -> j.del(key(recordKey))));
    }

    private interface Call<T> {
        T run() throws RedisUnavailable;
    }

    private <T> T run(Call<T> call) throws Idempotency.Unavailable {
        if (health.degraded()) throw new Idempotency.Unavailable("Redis is unreachable", null);
        try {
            return call.run();
        } catch (RedisUnavailable e) {
            throw new Idempotency.Unavailable(e.getMessage(), e);
        }
    }
}
