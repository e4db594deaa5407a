package sluice.delivery;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import sluice.config.EgressConfig;
import sluice.config.IpLiterals;
import sluice.spool.Envelope;

/**
 * The configured pools, and the source a message leaves from. The pool is the message's own choice
 * ({@link Envelope#pool()}: an X-Sluice-Pool header or the send API's member, already checked at reception), else
 * {@code pool_by_user} for its authenticated user, else {@code pool_by_sender_domain}, else {@code default_pool};
 * within the pool a source is drawn by weight.
 */
public final class EgressPools {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(EgressPools.class);

    /** A pool's sources with cumulative weights, for a draw in O(sources). */
    private record Weighted(List<EgressSource> sources, int[] cumulative) {}

    /**
     * A pool as shaping sees it: its sources with their weights, and what a warming source's excess does
     * ("spill" to the others, or "wait").
     */
    public record Pool(String name, List<EgressSource> sources, List<Integer> weights, String overflow) {}

    private final Map<String, Pool> poolsByName = new HashMap<>();

    private final EgressConfig config;
    private final Map<String, Weighted> pools = new HashMap<>();
    private final RandomGenerator random;

    /** @param random injected so that tests can seed the draw (STYLE rule 9) */
    public EgressPools(EgressConfig config, RandomGenerator random) {
        this.config = config;
        this.random = random;
        Map<String, EgressSource> byName = new HashMap<>();
        for (EgressConfig.Source s : config.sources()) {
            byName.put(s.name(), new EgressSource(s.name(), IpLiterals.toAddress(s.address()), s.ehlo()));
        }
        for (EgressConfig.Pool p : config.pools()) {
            int[] cumulative = new int[p.sources().size()];
            int sum = 0;
            for (int i = 0; i < cumulative.length; i++) cumulative[i] = sum += p.weights().get(i);
            List<EgressSource> members = p.sources().stream().map(byName::get).toList();
            pools.put(p.name(), new Weighted(members, cumulative));
            poolsByName.put(p.name(), new Pool(p.name(), members, p.weights(), p.overflow()));
        }
    }

    public static EgressPools none() {
        return new EgressPools(EgressConfig.NONE, RandomGenerator.getDefault());
    }

    public boolean exists(String pool) {
        return pools.containsKey(pool);
    }

    /** The pool this message leaves from, or null: no binding, the system picks the address. */
    public String poolFor(Envelope envelope) {
        if (envelope.pool() != null) {
            if (pools.containsKey(envelope.pool())) return envelope.pool();
            // Checked when it was queued; the configuration lost the pool since: said, then the usual rules.
            log.warn("message from {} names egress pool \"{}\", which is no longer configured: using the next rule",
                    envelope.sender(), envelope.pool());
        }
        String user = envelope.attributes().get("auth_user");
        if (user != null && config.poolByUser().containsKey(user)) return config.poolByUser().get(user);
        String sender = envelope.sender();
        int at = sender.lastIndexOf('@');
        if (at >= 0) {
            String pool = config.poolBySenderDomain().get(sender.substring(at + 1).toLowerCase(java.util.Locale.ROOT));
            if (pool != null) return pool;
        }
        return config.defaultPool();
    }

    /** The message's pool, or null when none applies (no binding). */
    public Pool poolOf(Envelope envelope) {
        String name = poolFor(envelope);
        return name == null ? null : poolsByName.get(name);
    }

    /** Every configured source. */
    public List<EgressSource> sources() {
        return poolsByName.values().stream().flatMap(p -> p.sources().stream()).distinct().toList();
    }

    /** A source of the message's pool drawn by weight, or null when no pool applies. */
    public EgressSource pick(Envelope envelope) {
        String pool = poolFor(envelope);
        if (pool == null) return null;
        Weighted w = pools.get(pool);
        int total = w.cumulative()[w.cumulative().length - 1];
        int draw = random.nextInt(total);
        for (int i = 0; i < w.cumulative().length; i++) {
            if (draw < w.cumulative()[i]) return w.sources().get(i);
        }
        throw new IllegalStateException("weighted draw out of range");
    }
}
