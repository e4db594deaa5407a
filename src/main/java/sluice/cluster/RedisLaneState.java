package sluice.cluster;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import sluice.shaping.LaneState;

/**
 * A lane's state shared through Redis: two {@link RedisRate} buckets (messages, connection openings), connection
 * leases and the backoff limits, all under one hash tag ({@code sluice:{lane:SOURCE:GROUP}:...}) so that each script
 * runs on one Redis Cluster master.
 *
 * <p>Connections are leases: members {@code "NODE ID"} of a sorted set scored by their expiry on Redis time,
 * renewed by the background sync while held, so that a dead node's leases lapse after {@link
 * RedisLaneStates#LEASE_TTL_MILLIS}. The lane is answered from the leases already granted to this node; when it has
 * none free the sync asks for more at once, and a grant wakes the lane's parked jobs. A lease left unused goes back
 * after {@link #SPARE_NANOS}, so another node can take it.
 *
 * <p>Degraded: connections are limited to this node's share ({@link FleetShares#connectionShare}) less what other
 * nodes held above their shares at the last sync (they may still hold them), so the fleet cannot overshoot in the
 * switch; back to shared, the connections opened meanwhile are registered as leases before any new one is taken.
 */
final class RedisLaneState implements LaneState {
    static final long SPARE_NANOS = 300_000_000L;
    /** Failed acquisitions keep the sync asking for leases this long (parked jobs also wait for the shaper's tick). */
    private static final long WANT_NANOS = 5_000_000_000L;
    static final Script LEASES = Script.of("lane-leases", """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local ttl = tonumber(ARGV[2])
            local exp = now + ttl
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
            local node = ARGV[1]
            local limit = tonumber(ARGV[3])
            local nr, nk, nw = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
            local i = 7
            for j = 1, nr do redis.call('ZREM', KEYS[1], node .. ' ' .. ARGV[i]); i = i + 1 end
            for j = 1, nk do redis.call('ZADD', KEYS[1], exp, node .. ' ' .. ARGV[i]); i = i + 1 end
            local granted = {}
            for j = 1, nw do
              if limit > 0 and redis.call('ZCARD', KEYS[1]) >= limit then break end
              redis.call('ZADD', KEYS[1], exp, node .. ' ' .. ARGV[i])
              table.insert(granted, ARGV[i])
              i = i + 1
            end
            if redis.call('ZCARD', KEYS[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ttl * 2) end
            return {granted, redis.call('ZRANGE', KEYS[1], 0, -1), redis.call('HGETALL', KEYS[2])}
            """);
    static final Script PUBLISH = Script.of("lane-limits", """
            local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
            redis.call('HSET', KEYS[1], 'rate', ARGV[1], 'ceiling', ARGV[2], 'conns', ARGV[3], 'connCeiling', ARGV[4],
              'backoff', ARGV[5], 'node', ARGV[6])
            redis.call('PEXPIRE', KEYS[1], 86400000)
            return seq
            """);

    private final RedisLaneStates fleet;
    private final String leasesKey;
    private final String limitsKey;
    private final RedisRate messages;
    private final RedisRate connects;
    // guarded by this
    private final ArrayDeque<String> granted = new ArrayDeque<>(); // lease ids this node holds in Redis
    private final List<String> stale = new ArrayList<>();           // held before a degraded spell: to remove
    private int inUse;
    private int limit;
    private int wanted;
    private long wantedAt;
    private long spareSince = Long.MAX_VALUE;
    private int others;                        // other nodes' leases at the last sync
    private Map<String, Integer> byNode = Map.of();
    private boolean degraded;
    private int excess;                        // others' leases above their shares when this node turned degraded
    private boolean syncing;
    long lastUse;
    private volatile Limits seen;
    private volatile Limits publishing;
    private volatile Runnable wake = () -> {};
    private final String prefix;
    private volatile boolean released;

    RedisLaneState(RedisLaneStates fleet, String prefix) {
        this.fleet = fleet;
        this.prefix = prefix;
        this.leasesKey = prefix + "leases";
        this.limitsKey = prefix + "limits";
        this.messages = new RedisRate(fleet, prefix + "rate");
        this.connects = new RedisRate(fleet, prefix + "connect-rate");
        this.lastUse = fleet.nanos();
    }

    @Override
    public void release() {
        released = true;
        fleet.forget(prefix, this);
    }

    boolean released() {
        return released;
    }

    @Override
    public Slot reserveMessage(long now, long intervalNanos, int burst) {
        touch();
        return messages.take(now, intervalNanos, burst);
    }

    @Override
    public void restartMessages(long now, long intervalNanos) {
        messages.restart(now, intervalNanos);
    }

    @Override
    public long reserveConnection(long now, long intervalNanos, int burst) {
        return connects.take(now, intervalNanos, burst).at();
    }

    private synchronized void touch() {
        lastUse = fleet.nanos();
    }

    @Override
    public synchronized boolean acquireConnection(int limit) {
        long now = fleet.nanos();
        this.limit = limit;
        lastUse = now;
        if (limit <= 0) {
            inUse++;
            return true;
        }
        if (settle()) {
            if (inUse >= degradedCap()) return false;
            inUse++;
            return true;
        }
        if (inUse < granted.size() && others + inUse < limit - fleet.shares().degradedConnectionsOfOthers(limit)) {
            inUse++;
            if (inUse >= granted.size()) spareSince = Long.MAX_VALUE;
            return true;
        }
        wanted = Math.min(limit, wanted + 1);
        wantedAt = now;
        syncSoon();
        return false;
    }

    @Override
    public synchronized void releaseConnection() {
        if (inUse > 0) inUse--;
        if (granted.size() > inUse && spareSince == Long.MAX_VALUE) spareSince = fleet.nanos();
    }

    @Override
    public synchronized int connectionsHeld() {
        if (limit <= 0) return inUse;
        if (settle()) return inUse + Math.max(0, limit - degradedCap());
        return others + inUse + fleet.shares().degradedConnectionsOfOthers(limit);
    }

    /**
     * Follows the node's health; true while degraded. Back to shared, the leases held before are void (Redis may
     * have lost them, and what the others hold is unknown until the next sync): the connections in use are
     * registered as new leases, the old ones removed, and nothing new is taken before that sync.
     */
    private boolean settle() {
        boolean shared = fleet.shared();
        if (!shared && !degraded) {
            degraded = true;
            excess = fleet.shares().excessOfOthers(byNode, limit);
        } else if (shared && degraded) {
            degraded = false;
            stale.addAll(granted);
            granted.clear();
            others = Math.max(others, limit);
            spareSince = Long.MAX_VALUE;
            syncSoon();
        }
        return degraded;
    }

    private int degradedCap() {
        return Math.max(0, fleet.shares().connectionShare(limit) - excess);
    }

    @Override
    public boolean fleetWide() {
        return true;
    }

    @Override
    public void shareLimits(Limits limits) {
        publishing = limits;
        fleet.soon(this::publish);
    }

    @Override
    public Limits sharedLimits() {
        // while this node's own change is on its way, what Redis said before it is older news
        return publishing != null ? null : seen;
    }

    @Override
    public void onFree(Runnable wake) {
        this.wake = wake;
    }

    /**
     * Worth a sync at every round: holding or wanting leases, other nodes holding some (their release may wake
     * jobs parked here), or publishing.
     */
    synchronized boolean busy() {
        return !granted.isEmpty() || inUse > 0 || wanted > 0 || others > 0 || publishing != null;
    }

    /** Used in the last ten seconds: synced now and then, for the shared backoff limits. */
    synchronized boolean recent(long now) {
        return now - lastUse < 10_000_000_000L;
    }

    private void syncSoon() {
        if (syncing) return;
        syncing = true;
        fleet.soon(this::sync);
    }

    /** On the background thread: publishes this node's limits if it changed them. */
    void publish() {
        Limits l = publishing;
        if (l == null || !fleet.shared()) return;
        try {
            long seq = RedisLaneStates.number(fleet.eval(PUBLISH, List.of(limitsKey), List.of(
                    Double.toString(l.ratePerSecond()), Double.toString(l.ceilingPerSecond()),
                    Integer.toString(l.connections()), Integer.toString(l.connectionCeiling()),
                    Boolean.toString(l.backingOff()), fleet.node())));
            seen = new Limits(l.ratePerSecond(), l.ceilingPerSecond(), l.connections(), l.connectionCeiling(),
                    l.backingOff(), seq);
            if (publishing == l) publishing = null;
        } catch (RedisUnavailable e) {
            // kept: published by the sync once Redis answers again
        }
    }

    /**
     * On the background thread, one script call: gives back spare leases, renews (or registers again) the ones
     * held, asks for the ones wanted, and reads the fleet's leases and the shared limits.
     */
    void sync() {
        List<String> release = new ArrayList<>();
        List<String> keep = new ArrayList<>();
        List<String> fresh = new ArrayList<>();
        List<String> want = new ArrayList<>();
        int lim;
        synchronized (this) {
            syncing = false;
            if (settle()) return;
            long now = fleet.nanos();
            release.addAll(stale);
            stale.clear();
            if (wanted > 0 && now - wantedAt > WANT_NANOS) wanted = 0;
            int spare = granted.size() - inUse;
            if (spare > 0 && ((wanted == 0 && now - spareSince >= SPARE_NANOS) || (limit > 0 && granted.size() > limit))) {
                for (int i = 0; i < spare; i++) release.add(granted.pollLast());
                spareSince = Long.MAX_VALUE;
            }
            keep.addAll(granted);
            for (int i = granted.size(); i < inUse; i++) fresh.add(fleet.newLeaseId()); // opened while degraded
            int free = Math.max(0, granted.size() - inUse);
            // nodes still degraded may hold their shares without leases: Redis grants only the rest
            lim = limit - fleet.shares().degradedConnectionsOfOthers(limit);
            for (int i = 0; limit > 0 && lim > 0 && i < Math.min(wanted, limit) - free; i++) want.add(fleet.newLeaseId());
        }
        if (publishing != null) publish();
        List<String> args = new ArrayList<>(List.of(fleet.node(), Long.toString(RedisLaneStates.LEASE_TTL_MILLIS),
                Integer.toString(lim), Integer.toString(release.size()), Integer.toString(keep.size() + fresh.size()),
                Integer.toString(want.size())));
        args.addAll(release);
        args.addAll(keep);
        args.addAll(fresh);
        args.addAll(want);
        List<?> answer;
        try {
            answer = (List<?>) fleet.eval(LEASES, List.of(leasesKey, limitsKey), args);
        } catch (RedisUnavailable e) {
            return;
        }
        List<?> got = (List<?>) answer.get(0);
        String self = fleet.node() + " ";
        Map<String, Integer> counts = new HashMap<>();
        int othersNow = 0;
        for (Object m : (List<?>) answer.get(1)) {
            String member = RedisLaneStates.text(m);
            if (member.startsWith(self)) continue;
            othersNow++;
            counts.merge(member.substring(0, Math.max(0, member.lastIndexOf(' '))), 1, Integer::sum);
        }
        Limits limits = parseLimits((List<?>) answer.get(2));
        boolean wakeNow;
        synchronized (this) {
            granted.addAll(fresh);
            for (Object id : got) granted.add(RedisLaneStates.text(id));
            wanted = Math.max(0, wanted - got.size());
            if (granted.size() > inUse && spareSince == Long.MAX_VALUE) spareSince = fleet.nanos();
            wakeNow = !got.isEmpty() || othersNow < others;
            others = othersNow;
            byNode = counts;
        }
        if (limits != null) seen = limits;
        if (wakeNow) wake.run();
    }

    private static Limits parseLimits(List<?> hash) {
        Map<String, String> h = new HashMap<>();
        for (int i = 0; i + 1 < hash.size(); i += 2) h.put(RedisLaneStates.text(hash.get(i)), RedisLaneStates.text(hash.get(i + 1)));
        if (!h.containsKey("rate") || !h.containsKey("seq")) return null;
        try {
            return new Limits(Double.parseDouble(h.get("rate")), Double.parseDouble(h.get("ceiling")),
                    Integer.parseInt(h.get("conns")), Integer.parseInt(h.get("connCeiling")),
                    Boolean.parseBoolean(h.get("backoff")), Long.parseLong(h.get("seq")));
        } catch (RuntimeException e) {
            return null; // written by a newer or broken node: not adopted
        }
    }

    /** On close: leases held go back at once (a node stopping cleanly does not make the fleet wait for the TTL). */
    void releaseAll() {
        List<String> ids;
        synchronized (this) {
            if (granted.isEmpty() || !fleet.shared()) return;
            ids = new ArrayList<>(granted);
            granted.clear();
        }
        List<String> args = new ArrayList<>(List.of(fleet.node(), Long.toString(RedisLaneStates.LEASE_TTL_MILLIS),
                "0", Integer.toString(ids.size()), "0", "0"));
        args.addAll(ids);
        try {
            fleet.eval(LEASES, List.of(leasesKey, limitsKey), args);
        } catch (RedisUnavailable e) {
            // they lapse after the TTL
        }
    }
}
