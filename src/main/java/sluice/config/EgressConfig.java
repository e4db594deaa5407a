package sluice.config;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Outbound source addresses and the weighted pools that group them ({@code [[egress.sources]]},
 * {@code [[egress.pools]]}, {@code [egress]}). Validated: every pool names known sources, names are unique, and
 * every pool a map or {@code default_pool} names exists.
 *
 * @param defaultPool        the pool of a message nothing else chose, or null: no binding, the system picks
 * @param poolBySenderDomain envelope sender's domain (lower case) to pool
 * @param poolByUser         authenticated user to pool
 * @param blocklists         the DNSBL checks of the sources' own addresses ({@code dnsbl_*} keys)
 */
public record EgressConfig(List<Source> sources, List<Pool> pools, String defaultPool,
                           Map<String, String> poolBySenderDomain, Map<String, String> poolByUser,
                           Blocklists blocklists) {

    public static final EgressConfig NONE = new EgressConfig(List.of(), List.of(), null, Map.of(), Map.of());

    public EgressConfig {
        sources = List.copyOf(sources);
        pools = List.copyOf(pools);
        poolBySenderDomain = Map.copyOf(poolBySenderDomain);
        poolByUser = Map.copyOf(poolByUser);
    }

    /** Without blocklist checks. */
    public EgressConfig(List<Source> sources, List<Pool> pools, String defaultPool,
                        Map<String, String> poolBySenderDomain, Map<String, String> poolByUser) {
        this(sources, pools, defaultPool, poolBySenderDomain, poolByUser, Blocklists.NONE);
    }

    /**
     * Checks of every source's address against DNS blocklists ({@code dnsbl_zones}, {@code dnsbl_interval},
     * {@code dnsbl_action}).
     *
     * @param zones    the zones asked, e.g. zen.spamhaus.org; empty: no checks
     * @param interval time between two checks (one also runs at start)
     * @param remove   true ("remove"): a listed source leaves its pools until delisted; false ("alert"): only reported
     */
    public record Blocklists(List<String> zones, java.time.Duration interval, boolean remove) {
        public static final java.time.Duration DEFAULT_INTERVAL = java.time.Duration.ofMinutes(30);
        public static final Blocklists NONE = new Blocklists(List.of(), DEFAULT_INTERVAL, true);

        public Blocklists {
            zones = List.copyOf(zones);
        }
    }

    /**
     * One outbound address.
     *
     * @param address     an IP literal (never a name: no DNS at start)
     * @param warmup      a [warmup.NAME] schedule name, or null: an established source
     * @param warmupStart "YYYY-MM-DD", or null
     */
    public record Source(String name, String address, String ehlo, String warmup, String warmupStart) {}

    /** Sources with their relative weights (same length as sources); overflow is "spill" or "wait". */
    public record Pool(String name, List<String> sources, List<Integer> weights, String overflow) {
        public Pool {
            sources = List.copyOf(sources);
            weights = List.copyOf(weights);
        }
    }

    /** The pools a message may name (X-Sluice-Pool, the send API's member). */
    public Set<String> poolNames() {
        return pools.stream().map(Pool::name).collect(Collectors.toUnmodifiableSet());
    }
}
