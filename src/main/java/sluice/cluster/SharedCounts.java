package sluice.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.auth.SharedLockouts;
import sluice.config.AuthConfig;
import sluice.policy.SharedCounter;

/**
 * The per-IP and per-user rate limits and the AUTH lockouts of a fleet, shared through Redis without a session ever
 * waiting on it. Sessions count in memory ({@link sluice.policy.RateLimit}, {@link sluice.auth.Lockout}); every
 * {@link #SYNC_MILLIS} one thread sends this node's new events and lockouts to Redis and reads back the fleet's
 * totals, in one script (one round trip, whatever the number of keys), and the sessions decide from that copy.
 *
 * <p>Redis keys (one hash tag, so the script runs on one master of a Redis Cluster):
 * {@code sluice:{limits}:<limit>:<window start>} a sorted set of fleet totals per client or user for one fixed
 * window (expires after two windows); {@code sluice:{limits}:lockouts} a sorted set of clients by the Redis time
 * their lockout ends; {@code sluice:{limits}:epoch} set once per Redis data set, so that a node notices a Redis
 * that lost its data (a restart without persistence) and sends its own counts of the live windows again.
 *
 * <p>A node reads back only keys whose fleet total reaches {@code max(1, limit / 100)}, at most
 * {@link #MAX_READ} per window (the highest first): the keys that can reach the limit. The fleet may therefore
 * pass a limit by what it admits within one sync period (each node decides on the others' counts of the last
 * sync), plus 1% for limits above 100.
 */
public final class SharedCounts implements SharedCounter.Source, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SharedCounts.class);
    static final long SYNC_MILLIS = 200;
    static final int MAX_PENDING = 100_000;
    static final int MAX_READ = 10_000;
    static final int MAX_LOCKOUTS = 100_000;
    static final String PREFIX = "sluice:{limits}:";
    private static final Script SYNC = Script.of("limits-sync", """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local epoch = redis.call('GET', KEYS[1])
            if not epoch then
              epoch = t[1] .. '.' .. t[2]
              redis.call('SET', KEYS[1], epoch)
            end
            local a = 4
            for j = 1, tonumber(ARGV[3]) do
              redis.call('ZADD', KEYS[2], 'GT', now + tonumber(ARGV[a + 1]), ARGV[a])
              a = a + 2
            end
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
            local since = math.max(tonumber(ARGV[2]), now + 1)
            local locks = redis.call('ZRANGE', KEYS[2], since, '+inf', 'BYSCORE', 'WITHSCORES', 'LIMIT', 0, ARGV[1])
            for j = 2, #locks, 2 do locks[j] = tostring(tonumber(locks[j]) - now) end
            local out = {epoch, tostring(now), locks}
            for k = 3, #KEYS do
              local ttl = ARGV[a]
              local threshold = ARGV[a + 1]
              local n = tonumber(ARGV[a + 2])
              a = a + 3
              for j = 1, n do
                redis.call('ZINCRBY', KEYS[k], ARGV[a + 1], ARGV[a])
                a = a + 2
              end
              if n > 0 then redis.call('PEXPIRE', KEYS[k], ttl) end
              table.insert(out, redis.call('ZRANGE', KEYS[k], '+inf', threshold, 'BYSCORE', 'REV', 'WITHSCORES',
                  'LIMIT', 0, ARGV[1]))
            end
            return out
            """);

    /** One limit's events for one key in one fixed window. */
    record Cell(String limit, long window, String key) {}

    private final RedisLink redis;
    private final ClusterHealth health;
    private final Membership membership;
    private final Clock clock;
    private final Map<String, Limit> limits = new ConcurrentHashMap<>();
    private final Object pendingLock = new Object();
    private Map<Cell, Long> pending = new HashMap<>();           // guarded by pendingLock
    private Map<String, Long> pendingLockouts = new LinkedHashMap<>(); // client → lockout ms; guarded by pendingLock
    private boolean pendingFull;                                 // guarded by pendingLock
    private final Map<Cell, Long> pushed = new HashMap<>();      // the sync thread's alone
    private final Map<String, Long> ownLockouts = new HashMap<>(); // client → local end; the sync thread's alone
    private final Map<String, Long> remoteLockouts = new ConcurrentHashMap<>(); // client → local end
    private volatile Map<Cell, Long> others = Map.of();
    private volatile String epoch;
    private long lockoutsSince;                                  // Redis ms; the sync thread's alone
    private final AtomicLong syncs = new AtomicLong();
    private volatile Thread thread;

    private SharedCounts(RedisLink redis, ClusterHealth health, Membership membership, Clock clock) {
        this.redis = redis;
        this.health = health;
        this.membership = membership;
        this.clock = clock;
    }

    /** Starts the sync thread of {@code cluster}'s limits. */
    public static SharedCounts start(Cluster cluster, Clock clock) {
        SharedCounts c = new SharedCounts(cluster.redis(), cluster.health(), cluster.membership(), clock);
        c.thread = Thread.ofPlatform().name("cluster-limits").daemon(true).start(c::run);
        return c;
    }

    /** Without a thread: tests call {@link #sync()} themselves. */
    static SharedCounts manual(Cluster cluster, Clock clock) {
        return new SharedCounts(cluster.redis(), cluster.health(), cluster.membership(), clock);
    }

    @Override
    public SharedCounter counter(String name, int limit, Duration window) {
        return limits.computeIfAbsent(name, n -> new Limit(n, limit, window.toMillis()));
    }

    /** The AUTH lockout's side, counting failures in fixed windows of {@code auth.window()}. */
    public SharedLockouts lockouts(AuthConfig auth) {
        return new Lockouts((Limit) counter("auth_failures", Math.max(1, auth.maxFailures()), auth.window()));
    }

    /** Syncs completed since start (tests wait for them). */
    public long syncs() {
        return syncs.get();
    }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(SYNC_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            try {
                sync();
            } catch (RuntimeException e) {
                log.error("cluster: syncing the shared limits: {}", e.toString(), e);
            }
        }
    }

    /**
     * One round trip: this node's events and lockouts since the last sync go to Redis; the fleet's totals and new
     * lockouts come back. Skipped while degraded (the events wait, within {@link #MAX_PENDING} keys).
     */
    public synchronized void sync() {
        if (health.degraded()) return;
        long now = clock.millis();
        Map<Cell, Long> deltas;
        Map<String, Long> locks;
        synchronized (pendingLock) {
            deltas = pending;
            locks = pendingLockouts;
            pending = new HashMap<>();
            pendingLockouts = new LinkedHashMap<>();
            pendingFull = false;
        }
        List<String> keys = new ArrayList<>(List.of(PREFIX + "epoch", PREFIX + "lockouts"));
        List<String> args = new ArrayList<>(List.of(Integer.toString(MAX_READ), Long.toString(lockoutsSince),
                Integer.toString(locks.size())));
        locks.forEach((client, ms) -> {
            args.add(client);
            args.add(Long.toString(ms));
        });
        List<Cell> windows = new ArrayList<>(); // (limit, window) of each counter key, key ""
        for (Limit l : limits.values()) {
            long current = now - Math.floorMod(now, l.windowMillis);
            for (long w : new long[]{current - l.windowMillis, current}) {
                windows.add(new Cell(l.name, w, ""));
                keys.add(PREFIX + l.name + ":" + w);
                args.add(Long.toString(2 * l.windowMillis + 60_000));
                args.add(Long.toString(l.threshold));
                List<String> mine = new ArrayList<>();
                deltas.forEach((c, n) -> {
                    if (c.limit.equals(l.name) && c.window == w) {
                        mine.add(c.key);
                        mine.add(Long.toString(n));
                    }
                });
                args.add(Integer.toString(mine.size() / 2));
                args.addAll(mine);
            }
        }
        List<?> answer;
        try {
            answer = (List<?>) redis.eval(SYNC, keys, args);
        } catch (RedisUnavailable e) {
            requeue(deltas, locks); // the node is degraded now; they go when Redis is back
            return;
        }
        apply(answer, deltas, locks, windows, now);
        syncs.incrementAndGet();
    }

    private void apply(List<?> answer, Map<Cell, Long> deltas, Map<String, Long> locks, List<Cell> windows, long now) {
        String newEpoch = text(answer.get(0));
        long redisNow = Long.parseLong(text(answer.get(1)));
        // a window older than the ones just synced no longer matters: forget what was pushed for it
        pushed.keySet().removeIf(c -> !windows.contains(new Cell(c.limit, c.window, "")));
        boolean lost = epoch != null && !epoch.equals(newEpoch);
        Map<Cell, Long> again = lost ? new HashMap<>(pushed) : Map.of();
        if (lost) {
            log.warn("cluster: Redis lost the shared limits' counts (restarted empty?): this node sends its own again");
            pushed.clear();
        }
        epoch = newEpoch;
        deltas.forEach((c, n) -> {
            if (windows.contains(new Cell(c.limit, c.window, ""))) pushed.merge(c, n, Long::sum);
        });
        locks.forEach((client, ms) -> ownLockouts.put(client, now + ms));
        ownLockouts.values().removeIf(until -> until <= now);
        if (lost) {
            requeue(again, Map.of());
            Map<String, Long> live = new LinkedHashMap<>();
            ownLockouts.forEach((client, until) -> live.put(client, until - now));
            requeue(Map.of(), live);
        }
        List<?> lockList = (List<?>) answer.get(2);
        long newest = lockoutsSince;
        for (int i = 0; i + 1 < lockList.size(); i += 2) {
            String client = text(lockList.get(i));
            long left = Long.parseLong(text(lockList.get(i + 1)));
            newest = Math.max(newest, redisNow + left);
            if (remoteLockouts.size() < MAX_LOCKOUTS || remoteLockouts.containsKey(client)) {
                remoteLockouts.merge(client, now + left, Math::max);
            }
        }
        lockoutsSince = lost ? 0 : newest;
        remoteLockouts.values().removeIf(until -> until <= now);
        Map<Cell, Long> fresh = new HashMap<>();
        for (int k = 0; k < windows.size(); k++) {
            Cell w = windows.get(k);
            List<?> rows = (List<?>) answer.get(3 + k);
            for (int i = 0; i + 1 < rows.size(); i += 2) {
                Cell c = new Cell(w.limit, w.window, text(rows.get(i)));
                long total = (long) Double.parseDouble(text(rows.get(i + 1)));
                long theirs = total - pushed.getOrDefault(c, 0L);
                if (theirs > 0) fresh.put(c, theirs);
            }
        }
        others = Map.copyOf(fresh);
    }

    private void requeue(Map<Cell, Long> deltas, Map<String, Long> locks) {
        synchronized (pendingLock) {
            deltas.forEach((c, n) -> {
                if (pending.size() < MAX_PENDING || pending.containsKey(c)) pending.merge(c, n, Long::sum);
            });
            locks.forEach(pendingLockouts::putIfAbsent);
        }
    }

    private void add(Cell c) {
        synchronized (pendingLock) {
            if (pending.size() < MAX_PENDING || pending.containsKey(c)) {
                pending.merge(c, 1L, Long::sum);
            } else if (!pendingFull) {
                pendingFull = true; // the local count still holds; the others see fewer of this node's keys
                log.warn("cluster: more than {} keys of the shared limits waiting to be synced; new ones stay local",
                        MAX_PENDING);
            }
        }
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    @Override
    public void close() {
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            sync(); // this node's last events and lockouts still count for the others
        } catch (RuntimeException e) {
            log.warn("cluster: last sync of the shared limits: {}", e.toString());
        }
    }

    /** One shared limit. */
    private final class Limit implements SharedCounter {
        final String name;
        final long windowMillis;
        final long threshold;

        Limit(String name, int limit, long windowMillis) {
            this.name = name;
            this.windowMillis = windowMillis;
            this.threshold = Math.max(1, limit / 100);
        }

        @Override
        public long others(String key, long windowStart) {
            return others.getOrDefault(new Cell(name, windowStart, key), 0L);
        }

        @Override
        public void counted(String key, long windowStart) {
            add(new Cell(name, windowStart, key));
        }

        @Override
        public boolean degraded() {
            return health.degraded();
        }

        @Override
        public double share() {
            return membership.share();
        }
    }

    /** The lockout's side: failures through a {@link Limit}, lockouts through the lockouts set. */
    private final class Lockouts implements SharedLockouts {
        private final Limit failures;

        Lockouts(Limit failures) {
            this.failures = failures;
        }

        @Override
        public double othersFailures(String client, long nowMillis) {
            long w = failures.windowMillis;
            long current = nowMillis - Math.floorMod(nowMillis, w);
            double overlap = 1.0 - (double) (nowMillis - current) / w;
            return failures.others(client, current - w) * overlap + failures.others(client, current);
        }

        @Override
        public void failed(String client, long nowMillis) {
            failures.counted(client, nowMillis - Math.floorMod(nowMillis, failures.windowMillis));
        }

        @Override
        public void lockedOut(String client, long lockoutMillis) {
            synchronized (pendingLock) {
                if (pendingLockouts.size() < MAX_LOCKOUTS) pendingLockouts.merge(client, lockoutMillis, Math::max);
            }
        }

        @Override
        public long lockedUntil(String client) {
            return remoteLockouts.getOrDefault(client, 0L);
        }

        @Override
        public boolean degraded() {
            return health.degraded();
        }

        @Override
        public double share() {
            return membership.share();
        }
    }
}
