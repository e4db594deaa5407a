package sluice.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.shaping.WarmupLedger;
import sluice.shaping.WarmupView;
import sluice.shaping.Warmups;

/**
 * The warm-up ledger of a fleet: one warm-up day and one daily count per (source, group) for all nodes, kept in
 * Redis. The shaper asks {@link #remaining} and {@link #count} from memory: each node takes allowance from the day's
 * cap in small chunks (a script that never grants past the cap), uses it locally, takes the next chunk before it
 * runs out (on a thread of its own), and gives back what it has not used after {@link #IDLE_RETURN_MILLIS}
 * without use or at close. The day index advances in the same script, once for the fleet ("used": 80% of the
 * cap taken on the day before; "calendar": days since warmup_start or the first delivery).
 *
 * <p>Redis key: {@code sluice:{warmup:<source>:<group>}:day}, a hash of the day index, the epoch day, the allowance
 * taken that day and the first delivery's day. The local {@link Warmups} keeps a copy (saved in the spool), from
 * which a node sets the row again when Redis lost it, so a restarted Redis neither starts the ramp over nor
 * forgets what was sent today.
 *
 * <p>While degraded a node may send its own allowance plus its share ({@link Membership#share()}) of what the
 * fleet had not taken at its last answer; the fleet can pass the cap only by what the others took since their
 * last answer before Redis went away (at most one chunk each, plus a second's refills).
 */
public final class SharedWarmups implements WarmupLedger, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SharedWarmups.class);
    static final long DAY_MILLIS = 86_400_000L;
    static final long SYNC_MILLIS = 200;
    static final long REFRESH_MILLIS = 1_000;
    static final long IDLE_RETURN_MILLIS = 10_000;
    static final long TTL_MILLIS = 30 * DAY_MILLIS;
    /** After Redis returns, new allowance waits this long: the nodes' first syncs report what each sent alone. */
    static final long SETTLE_NANOS = 2_000_000_000L;
    private static final Script TAKE = Script.of("warmup-take", """
            local today = tonumber(ARGV[1])
            local caps = {}
            for c in string.gmatch(ARGV[5], '%d+') do table.insert(caps, tonumber(c)) end
            local n = #caps
            local calendar = ARGV[6] == '1'
            local start = tonumber(ARGV[7])
            local s = redis.call('HMGET', KEYS[1], 'index', 'day', 'taken', 'first')
            local index, day, taken, first
            if s[1] then
              index = tonumber(s[1]); day = tonumber(s[2]); taken = tonumber(s[3]); first = tonumber(s[4])
            else
              first = tonumber(ARGV[11])
              if first < 0 then first = today end
              if tonumber(ARGV[8]) >= 0 then
                index = tonumber(ARGV[8]); day = tonumber(ARGV[9]); taken = tonumber(ARGV[10])
              else
                index = 0; day = today; taken = 0
                if calendar then index = math.max(0, math.min(n, today - (start >= 0 and start or first))) end
              end
            end
            if today > day then
              if calendar then
                index = math.max(0, math.min(n, today - (start >= 0 and start or first)))
              elseif index < n and (start < 0 or day >= start) and taken * 5 >= caps[index + 1] * 4 then
                index = index + 1
              end
              day = today
              taken = 0
            end
            if tonumber(ARGV[4]) == day then taken = math.max(0, taken - tonumber(ARGV[3])) end
            local cap = -1
            if index < n then cap = caps[index + 1] end
            local grant = 0
            if cap >= 0 then
              grant = math.max(0, math.min(tonumber(ARGV[2]), cap - taken))
              taken = taken + grant
            end
            redis.call('HSET', KEYS[1], 'index', index, 'day', day, 'taken', taken, 'first', first)
            redis.call('PEXPIRE', KEYS[1], ARGV[12])
            return {index, day, taken, grant, cap, first}
            """);

    private final Warmups local;
    private final RedisLink redis;
    private final ClusterHealth health;
    private final Membership membership;
    private final Clock clock;
    private final ConcurrentHashMap<String, Share> shares = new ConcurrentHashMap<>();
    private final AtomicLong takes = new AtomicLong();
    private volatile long sharedSince = System.nanoTime() - SETTLE_NANOS;
    private volatile Thread thread;

    /** One (source, group): the fleet's day as last answered and this node's allowance; guarded by its monitor. */
    private static final class Share {
        final String source;
        final String group;
        final Warmups.Schedule plan;
        boolean known;      // the fleet's state below is for `day`
        long day;
        int index;
        long cap;           // today's cap; Long.MAX_VALUE after the schedule
        long fleetTaken;    // allowance the fleet took today, at the last answer
        long first = -1;
        long allowance;     // taken by this node and not used yet
        long debt;          // used without allowance (taken from the next grant)
        long degradedLeft = -1; // while degraded: what this node may still send today; -1 when not degraded
        long lastUse;
        long lastAnswer;

        Share(String source, String group, Warmups.Schedule plan) {
            this.source = source;
            this.group = group;
            this.plan = plan;
        }

        long chunk() {
            return cap == Long.MAX_VALUE ? 0 : Math.clamp(cap / 20, 1, 100);
        }

        boolean exhausted() {
            return known && cap != Long.MAX_VALUE && fleetTaken >= cap;
        }
    }

    private SharedWarmups(Warmups local, Cluster cluster, Clock clock) {
        this.local = local;
        this.redis = cluster.redis();
        this.health = cluster.health();
        this.membership = cluster.membership();
        this.clock = clock;
        health.onChange(() -> {
            if (health.shared()) sharedSince = System.nanoTime();
        });
    }

    /** The fleet's ledger over {@code local} (which keeps its copy in the spool), with its thread running. */
    public static SharedWarmups start(Warmups local, Cluster cluster, Clock clock) {
        SharedWarmups w = new SharedWarmups(local, cluster, clock);
        w.thread = Thread.ofPlatform().name("cluster-warmup").daemon(true).start(w::run);
        return w;
    }

    /** Without a thread: tests call {@link #sync()} themselves. */
    static SharedWarmups manual(Warmups local, Cluster cluster, Clock clock) {
        return new SharedWarmups(local, cluster, clock);
    }

    @Override
    public long remaining(String source, String group, long nowMillis) {
        Warmups.Schedule plan = local.schedule(source);
        if (plan == null) return Long.MAX_VALUE;
        Share s = shares.computeIfAbsent(source + "/" + group, k -> new Share(source, group, plan));
        long today = Math.floorDiv(nowMillis, DAY_MILLIS);
        boolean wake;
        long answer;
        synchronized (s) {
            roll(s, today);
            if (health.degraded()) {
                if (s.degradedLeft < 0) s.degradedLeft = degradedBudget(s, today);
                return s.degradedLeft == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, s.degradedLeft);
            }
            s.degradedLeft = -1;
            if (s.known && s.cap == Long.MAX_VALUE) return Long.MAX_VALUE;
            answer = s.allowance;
            wake = !s.known || (s.allowance <= s.chunk() / 2 && !s.exhausted());
        }
        if (wake) wake();
        return answer;
    }

    @Override
    public void count(String source, String group, long nowMillis) {
        Share s = shares.get(source + "/" + group);
        if (s == null) return; // not warming (remaining was never asked)
        boolean wake;
        synchronized (s) {
            roll(s, Math.floorDiv(nowMillis, DAY_MILLIS));
            s.lastUse = nowMillis;
            if (s.allowance > 0) s.allowance--;
            else s.debt++;
            if (s.degradedLeft > 0 && s.degradedLeft != Long.MAX_VALUE) s.degradedLeft--;
            wake = s.allowance <= s.chunk() / 2 || s.debt > 0;
        }
        if (wake && health.shared()) wake();
    }

    @Override
    public void refund(String source, String group, long nowMillis) {
        Share s = shares.get(source + "/" + group);
        if (s == null) return;
        synchronized (s) {
            if (!s.known || s.day != Math.floorDiv(nowMillis, DAY_MILLIS)) return; // that day is over
            if (s.debt > 0) s.debt--;
            else s.allowance++;
            if (s.degradedLeft >= 0 && s.degradedLeft != Long.MAX_VALUE) s.degradedLeft++;
        }
    }

    /**
     * The next warm-up day, or sooner while some group waits for its next chunk of a cap the fleet has not used
     * up (the shaper asks again then; the ledger answers per group).
     */
    @Override
    public long nextDay(long nowMillis) {
        long next = (Math.floorDiv(nowMillis, DAY_MILLIS) + 1) * DAY_MILLIS;
        if (health.degraded()) return next;
        for (Share s : shares.values()) {
            synchronized (s) {
                if (s.known && s.cap == Long.MAX_VALUE) continue; // past its schedule: nobody waits for it
                if (s.allowance > 0 || !s.exhausted()) return Math.min(next, nowMillis + 2 * SYNC_MILLIS);
            }
        }
        return next;
    }

    @Override
    public List<WarmupView> views(long nowMillis) {
        return local.views(nowMillis); // the local copy holds the fleet's day and count as last answered
    }

    /** The fleet's allowance taken today for (source, group) at this node's last answer; -1 when not known. */
    long fleetTaken(String source, String group) {
        Share s = shares.get(source + "/" + group);
        if (s == null) return -1;
        synchronized (s) {
            return s.known ? s.fleetTaken : -1;
        }
    }

    /** Calls of the take script since start (each one round trip). */
    public long takes() {
        return takes.get();
    }

    /** A new day (by this node's clock): yesterday's allowance lapses with yesterday; the fleet's day is asked. */
    private static void roll(Share s, long today) {
        if (s.known && today > s.day) {
            s.known = false;
            s.allowance = 0;
            s.debt = 0;
            s.degradedLeft = -1;
        }
    }

    /** What this node may send while degraded: its allowance and its share of what the fleet had not taken. */
    private long degradedBudget(Share s, long today) {
        long cap;
        long taken;
        if (s.known) {
            cap = s.cap;
            taken = s.fleetTaken;
        } else { // not asked yet today: the local copy of the fleet's state (yesterday's, if that is all there is)
            long[] saved = local.saved(s.source, s.group);
            int index = saved == null ? 0 : (int) saved[0];
            boolean sameDay = saved != null && saved[1] == today;
            if (saved != null && !sameDay && s.plan.calendar()) {
                long base = s.plan.startDay() != null ? s.plan.startDay() : saved[3] >= 0 ? saved[3] : today;
                index = (int) Math.clamp(today - base, 0, s.plan.daily().size());
            } // "used" across a day without Redis: the day does not advance (the cautious choice)
            cap = s.plan.cap(index);
            taken = sameDay ? saved[2] : 0;
        }
        if (cap == Long.MAX_VALUE) return Long.MAX_VALUE;
        long rest = Math.max(0, cap - taken);
        log.info("warm-up: Redis unreachable; {} may send {} more to {} today from this node (its allowance {} and"
                + " {} of the {} left)", s.source, s.allowance + (long) Math.floor(rest * membership.share() + 1e-9),
                s.group, s.allowance, membership.share(), rest);
        return s.allowance + (long) Math.floor(rest * membership.share() + 1e-9);
    }

    private void wake() {
        Thread t = thread;
        if (t != null) LockSupport.unpark(t);
    }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            LockSupport.parkNanos(SYNC_MILLIS * 1_000_000);
            if (Thread.currentThread().isInterrupted()) return;
            try {
                sync();
            } catch (RuntimeException e) {
                log.error("cluster: sharing the warm-up counts: {}", e.toString(), e);
            }
        }
    }

    /** Takes, refreshes and gives back allowance where due; nothing while degraded. */
    public synchronized void sync() {
        if (health.degraded()) return;
        long now = clock.millis();
        for (Share s : shares.values()) {
            if (health.degraded()) return;
            take(s, now, false);
        }
    }

    /** One round trip for {@code s} if it needs one (or {@code closing}: give everything back). */
    private void take(Share s, long now, boolean closing) {
        long today = Math.floorDiv(now, DAY_MILLIS);
        long want;
        long give;
        long debt;
        long giveDay;
        synchronized (s) {
            roll(s, today);
            boolean done = s.known && s.cap == Long.MAX_VALUE;
            boolean idle = s.allowance > 0 && now - s.lastUse >= IDLE_RETURN_MILLIS;
            boolean low = s.known && s.allowance <= s.chunk() / 2 && !s.exhausted();
            boolean stale = now - s.lastAnswer >= REFRESH_MILLIS && now - s.lastUse < 60_000;
            if (done && s.known && !closing) return;
            if (!closing && s.known && !idle && !low && s.debt == 0 && !stale) return;
            debt = s.debt;
            give = closing || idle ? s.allowance : 0;
            // Just back from degraded: every node first reports what it sent alone, before anyone takes more
            boolean settling = System.nanoTime() - sharedSince < SETTLE_NANOS;
            want = closing || idle || settling ? debt : Math.max(0, (s.known ? s.chunk() : 1) - s.allowance) + debt;
            giveDay = s.day;
            if (closing && give == 0 && debt == 0) return;
            s.allowance -= give;
        }
        long[] hint = local.saved(s.source, s.group);
        Warmups.Schedule p = s.plan;
        List<String> args = List.of(Long.toString(today), Long.toString(want), Long.toString(give),
                Long.toString(give > 0 ? giveDay : -1),
                p.daily().stream().map(String::valueOf).collect(Collectors.joining(",")), p.calendar() ? "1" : "0",
                Long.toString(p.startDay() == null ? -1 : p.startDay()),
                Long.toString(hint == null ? -1 : hint[0]), Long.toString(hint == null ? -1 : hint[1]),
                Long.toString(hint == null ? 0 : hint[2]), Long.toString(hint == null ? -1 : hint[3]),
                Long.toString(TTL_MILLIS));
        List<?> answer;
        try {
            takes.incrementAndGet();
            answer = (List<?>) redis.eval(TAKE, List.of(key(s.source, s.group)), args);
        } catch (RedisUnavailable e) {
            synchronized (s) {
                if (s.day == giveDay) s.allowance += give; // not given back: still this node's
            }
            return;
        }
        int index = (int) number(answer.get(0));
        long day = number(answer.get(1));
        long taken = number(answer.get(2));
        long grant = number(answer.get(3));
        long cap = number(answer.get(4));
        long first = number(answer.get(5));
        synchronized (s) {
            if (s.known && day < s.day) return; // an answer for a day already behind this node
            if (s.known && day > s.day) s.allowance = 0; // the fleet's day moved on: the old allowance lapses
            s.known = true;
            s.day = day;
            s.index = index;
            s.cap = cap < 0 ? Long.MAX_VALUE : cap;
            s.fleetTaken = taken;
            s.first = first;
            s.lastAnswer = now;
            long paid = Math.min(grant, debt);
            // what was not paid was sent past the cap (a race, or while degraded): nothing to take it from now
            s.debt = Math.max(0, s.debt - debt);
            s.allowance += grant - paid;
        }
        local.adopt(s.source, s.group, index, day, taken, first);
    }

    static String key(String source, String group) {
        return "sluice:{warmup:" + source + ":" + group + "}:day";
    }

    private static long number(Object o) {
        if (o instanceof Long l) return l;
        return Long.parseLong(o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o));
    }

    /** Gives back every unused allowance (the others may use it today), then stops the thread. */
    @Override
    public void close() {
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            LockSupport.unpark(t);
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (health.degraded()) return;
        long now = clock.millis();
        for (Share s : shares.values()) take(s, now, true);
    }
}
