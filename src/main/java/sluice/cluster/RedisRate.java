package sluice.cluster;

import java.util.List;
import sluice.shaping.LaneState;

/**
 * One GCRA bucket of a lane kept in Redis (the theoretical arrival time, in microseconds of Redis's clock), taken
 * from in small batches: the background thread asks the script for up to {@code burst} tokens (a tenth of a
 * second's worth of the rate, at least one), the lane hands them out from memory. A token not used within
 * {@link #VALID_NANOS} is lost (under-use, never overshoot: over any window the fleet sends at most the rate times
 * the window plus this validity, plus one burst). With no token at hand the answer is "ask again", spaced one
 * interval apart per waiting job so that a long queue does not come back all at once.
 *
 * <p>While the node is degraded the bucket is local, at the node's share of the rate.
 */
final class RedisRate {
    static final long VALID_NANOS = 200_000_000L;
    private static final long ASK_SOON_NANOS = 2_000_000L;
    /** Tokens are fetched ahead only while something asked lately: an idle lane costs no Redis calls. */
    private static final long DEMAND_NANOS = 1_000_000_000L;
    static final Script TAKE = Script.of("gcra-take", """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            local interval = tonumber(ARGV[1])
            local burst = tonumber(ARGV[2])
            local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
            if ARGV[4] == 'restart' then
              tat = now + interval
              redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.floor(interval / 1000) + 60000)
              return {0, interval}
            end
            if tat < now then tat = now end
            local room = math.floor((now + burst * interval - tat) / interval)
            local got = math.min(tonumber(ARGV[3]), math.max(room, 0))
            tat = tat + got * interval
            redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 60000)
            return {got, tat - burst * interval + interval - now}
            """);

    private final RedisLaneStates fleet;
    private final String key;
    // guarded by this
    private long intervalNanos = 1;
    private int burst = 1;
    private int stock;
    private long stockSince;
    private long nextAt = Long.MIN_VALUE;  // local nanos at which Redis said the next token conforms
    private long tail = Long.MIN_VALUE;    // the last "ask again" time handed out, plus one interval
    private long demand = Long.MIN_VALUE;
    private boolean refilling;
    private boolean local;                 // degraded: the local bucket below is in force
    private long localTat;

    RedisRate(RedisLaneStates fleet, String key) {
        this.fleet = fleet;
        this.key = key;
    }

    synchronized LaneState.Slot take(long now, long intervalNanos, int burst) {
        this.intervalNanos = intervalNanos;
        this.burst = burst;
        demand = now;
        if (!fleet.shared()) return takeLocal(now);
        if (local) {
            local = false; // shared again: what the local bucket allowed is not carried over
            tail = Long.MIN_VALUE;
        }
        if (stock > 0 && now - stockSince > VALID_NANOS) stock = 0;
        if (stock > 0) {
            stock--;
            if (stock == 0) refill(now);
            return new LaneState.Firm(now);
        }
        refill(now);
        long at = Math.max(Math.max(now + ASK_SOON_NANOS, nextAt), tail);
        tail = at + intervalNanos;
        return new LaneState.LookAgain(at);
    }

    /**
     * Degraded: a GCRA in this process at the node's share of the rate. It starts one (slower) interval after the
     * switch, so the tokens taken from Redis just before and the local ones do not add up to a burst.
     */
    private LaneState.Slot takeLocal(long now) {
        double share = fleet.shares().share();
        long interval = (long) Math.ceil(intervalNanos / Math.max(share, 1e-9));
        int b = (int) Math.max(1, Math.floor(burst * share));
        if (!local) {
            local = true;
            stock = 0;
            tail = Long.MIN_VALUE;
            localTat = now + interval;
        }
        long conform = Math.max(now, localTat - interval * (b - 1L));
        if (conform <= now) {
            localTat = Math.max(localTat, now) + interval;
            return new LaneState.Firm(now);
        }
        long at = Math.max(conform, tail);
        tail = at + interval;
        return new LaneState.LookAgain(at);
    }

    /** A rate change: tokens at hand are dropped and the shared bucket starts one interval from now. */
    synchronized void restart(long now, long intervalNanos) {
        this.intervalNanos = intervalNanos;
        stock = 0;
        tail = Long.MIN_VALUE;
        nextAt = now + intervalNanos;
        if (local) localTat = now + (long) Math.ceil(intervalNanos / Math.max(fleet.shares().share(), 1e-9));
        if (!fleet.shared()) return;
        long micros = micros(intervalNanos);
        fleet.soon(() -> {
            try {
                fleet.eval(TAKE, List.of(key), List.of(Long.toString(micros), "1", "0", "restart"));
            } catch (RedisUnavailable e) {
                // degraded now: the local bucket restarts at the node's share
            }
        });
    }

    private static long micros(long nanos) {
        return Math.max(1, nanos / 1000);
    }

    /** Asks the background thread for a batch: now, or when Redis said the next token conforms. */
    private void refill(long now) {
        if (refilling) return;
        refilling = true;
        if (nextAt > now) fleet.later(this::fetch, nextAt - now);
        else fleet.soon(this::fetch);
    }

    /** On the background thread: one script call for up to one burst of tokens. */
    void fetch() {
        long interval;
        int want;
        synchronized (this) {
            long now = fleet.nanos();
            if (!fleet.shared() || now - demand > DEMAND_NANOS || (stock > 0 && now - stockSince <= VALID_NANOS)) {
                refilling = false;
                return;
            }
            // nodes still degraded use their shares out of Redis's sight: the bucket in Redis holds the rest
            double rest = 1 - fleet.shares().degradedShareOfOthers();
            if (rest <= 1e-9) {
                fleet.later(this::fetch, 1_000_000_000L);
                return;
            }
            interval = (long) Math.ceil(intervalNanos / rest);
            want = (int) Math.max(1, Math.floor(burst * rest));
        }
        List<?> answer;
        try {
            answer = (List<?>) fleet.eval(TAKE, List.of(key),
                    List.of(Long.toString(micros(interval)), Integer.toString(want), Integer.toString(want), "take"));
        } catch (RedisUnavailable e) {
            synchronized (this) {
                refilling = false;
            }
            return;
        }
        long t = fleet.nanos();
        synchronized (this) {
            refilling = false;
            long got = RedisLaneStates.number(answer.get(0));
            nextAt = t + RedisLaneStates.number(answer.get(1)) * 1000;
            if (got > 0) {
                stock = (int) got;
                stockSince = t;
            } else if (t - demand <= DEMAND_NANOS) {
                refilling = true;
                fleet.later(this::fetch, Math.max(1_000_000L, nextAt - t));
            }
        }
    }
}
