package sluice.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet as Redis sees it: every second each node writes its name, queue size and state with Redis's own time
 * into one hash ({@code sluice:{cluster}:members}) and reads everyone's back, in one script. A node is alive while
 * its last beat is under {@link #ALIVE_MILLIS} old; a node silent for a day is forgotten.
 *
 * <p>The beat is also the health probe: it is the only Redis call made while the node is degraded, and two
 * answered beats bring shared limits back. The number of nodes it last saw alive sets each node's share of every
 * shared limit while Redis is unreachable (when {@code degraded_share = "auto"}): the fleet then never sends
 * more than the limit, because every node that could still be sending was counted.
 */
public final class Membership implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Membership.class);
    public static final long ALIVE_MILLIS = 5_000;
    static final long FORGET_MILLIS = 86_400_000L;
    static final long BEAT_MILLIS = 1_000;
    static final String KEY = "sluice:{cluster}:members";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Script BEAT = Script.of("beat", """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            redis.call('HSET', KEYS[1], ARGV[1], now .. ' ' .. ARGV[2])
            local all = redis.call('HGETALL', KEYS[1])
            local out = {now}
            for i = 1, #all, 2 do
              local seen = tonumber(string.match(all[i + 1], '^(%d+)'))
              if seen == nil or now - seen > tonumber(ARGV[3]) then
                redis.call('HDEL', KEYS[1], all[i])
              else
                table.insert(out, all[i])
                table.insert(out, all[i + 1])
              end
            end
            return out
            """);

    private final String name;
    private final RedisLink redis;
    private final ClusterHealth health;
    private final Double configuredShare;
    private final LongSupplier queue;
    private final Supplier<String> state;
    private final Clock clock;
    private final Instant started;
    private volatile List<ClusterView.Member> members = List.of();
    private volatile int alive = 1;
    private volatile int rank = 0;
    private volatile long redisOffsetMillis;
    private volatile Thread thread;

    /**
     * @param configuredShare {@code degraded_share}, or null for "auto"
     * @param queue           messages on this node's spool
     * @param state           this node's word for itself beyond shared/degraded ("draining"), or null
     */
    public Membership(String name, RedisLink redis, ClusterHealth health, Double configuredShare, LongSupplier queue,
                      Supplier<String> state, Clock clock) {
        this.name = name;
        this.redis = redis;
        this.health = health;
        this.configuredShare = configuredShare;
        this.queue = queue;
        this.state = state;
        this.clock = clock;
        this.started = clock.instant();
    }

    /** Beats once (so that the first answer is known before the listeners open), then every second. */
    public Membership start() {
        beat();
        thread = Thread.ofPlatform().name("cluster-membership").daemon(true).start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(BEAT_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                beat();
            }
        });
        return this;
    }

    /** One heartbeat; public for tests that drive time themselves. */
    public void beat() {
        String own = state.get();
        Map<String, Object> me = new LinkedHashMap<>();
        me.put("queue", queue.getAsLong());
        me.put("state", own != null ? own : health.degraded() ? "degraded" : "shared");
        me.put("started", started.toEpochMilli());
        String json;
        try {
            json = JSON.writeValueAsString(me);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a map of numbers and words always serializes", e);
        }
        List<?> answer;
        try {
            answer = (List<?>) redis.eval(BEAT, List.of(KEY), List.of(name, json, Long.toString(FORGET_MILLIS)));
        } catch (RedisUnavailable e) {
            return; // health has noted it; the last membership stays in force for the share
        } catch (RuntimeException e) {
            log.error("cluster: heartbeat answer not understood: {}", e.toString());
            return;
        }
        long now = number(answer.get(0));
        redisOffsetMillis = now - clock.millis();
        List<ClusterView.Member> seen = new ArrayList<>();
        for (int i = 1; i + 1 < answer.size(); i += 2) {
            String member = text(answer.get(i));
            String value = text(answer.get(i + 1));
            int space = value.indexOf(' ');
            long last = Long.parseLong(value.substring(0, space));
            JsonNode j;
            try {
                j = JSON.readTree(value.substring(space + 1));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                log.warn("cluster: node {} wrote a heartbeat this node cannot read: {}", member, e.getOriginalMessage());
                continue;
            }
            seen.add(new ClusterView.Member(member, Instant.ofEpochMilli(last), now - last <= ALIVE_MILLIS,
                    j.path("queue").asLong(), j.path("state").asText("shared"),
                    Instant.ofEpochMilli(j.path("started").asLong()), member.equals(name)));
        }
        seen.sort(Comparator.comparing(ClusterView.Member::name));
        List<String> aliveNames = seen.stream().filter(ClusterView.Member::alive).map(ClusterView.Member::name).toList();
        int before = alive;
        members = List.copyOf(seen);
        // While degraded the count only grows: a Redis that restarted empty shows at first only the nodes that have
        // beaten since, and a share computed from that would let each node take too much. It is counted afresh
        // once shared limits are back (by then every live node has beaten).
        int count = Math.max(1, aliveNames.size());
        if (!health.degraded() || count > alive) {
            alive = count;
            rank = Math.max(0, aliveNames.indexOf(name));
        }
        if (before != alive) log.info("cluster: {} node(s) alive: {}", alive, aliveNames);
        health.beat();
    }

    private static long number(Object o) {
        if (o instanceof Long l) return l;
        return Long.parseLong(text(o));
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    public String name() {
        return name;
    }

    /** Nodes alive at the last answered beat (at least this one). */
    public int alive() {
        return alive;
    }

    /** Every node seen in the last day, sorted by name, as of the last answered beat. */
    public List<ClusterView.Member> members() {
        return members;
    }

    /** Redis's clock minus this node's, as of the last beat (scripts run on Redis time). */
    public long redisOffsetMillis() {
        return redisOffsetMillis;
    }

    /** The share of a shared rate this node may use while degraded: {@code degraded_share}, or 1 / nodes alive. */
    public double share() {
        return configuredShare != null ? configuredShare : 1.0 / alive;
    }

    /**
     * The connections of a shared limit this node may hold while degraded. With "auto" the limit is divided among
     * the nodes alive by their order of names, the remainder to the first ones, so that the parts add up to the
     * limit exactly (5 over 3 nodes: 2, 2, 1): no overshoot, and no node left without one while there are enough.
     * With a configured share: the share of the limit, rounded down (it may be 0: no connections then).
     */
    public int connectionShare(int limit) {
        if (limit <= 0) return limit;
        if (configuredShare != null) return (int) Math.floor(limit * configuredShare + 1e-9);
        int n = alive;
        return limit / n + (rank < limit % n ? 1 : 0);
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
    }
}
