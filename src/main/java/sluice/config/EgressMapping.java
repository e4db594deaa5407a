package sluice.config;

import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads {@code [egress]} with its {@code [[egress.sources]]} and {@code [[egress.pools]]}. */
final class EgressMapping {
    private static final int MAX_WEIGHT = 1_000_000;
    static final Duration MIN_DNSBL_INTERVAL = Duration.ofMinutes(1);

    private EgressMapping() {}

    static EgressConfig egress(Section s, Set<String> warmups) {
        List<EgressConfig.Source> sources = new ArrayList<>();
        Set<String> sourceNames = new HashSet<>();
        for (Section t : s.tables("sources")) {
            EgressConfig.Source src = source(t, warmups);
            if (src == null) continue;
            if (!sourceNames.add(src.name())) t.error("name", "another source is already named \"" + src.name() + "\"");
            else sources.add(src);
        }
        List<EgressConfig.Pool> pools = new ArrayList<>();
        Set<String> poolNames = new HashSet<>();
        for (Section t : s.tables("pools")) {
            EgressConfig.Pool p = pool(t, sourceNames);
            if (p == null) continue;
            if (!poolNames.add(p.name())) t.error("name", "another pool is already named \"" + p.name() + "\"");
            else pools.add(p);
        }
        String defaultPool = s.string("default_pool", null);
        if (defaultPool != null && !poolNames.contains(defaultPool)) {
            s.error("default_pool", unknownPool(defaultPool, poolNames));
            defaultPool = null;
        }
        Map<String, String> byDomain = poolMap(s.table("pool_by_sender_domain"), poolNames, true);
        Map<String, String> byUser = poolMap(s.table("pool_by_user"), poolNames, false);
        EgressConfig.Blocklists blocklists = blocklists(s, s.has("sources"));
        s.finish();
        return new EgressConfig(sources, pools, defaultPool, byDomain, byUser, blocklists);
    }

    /** {@code dnsbl_zones}, {@code dnsbl_interval}, {@code dnsbl_action}: checks of the sources' own addresses. */
    private static EgressConfig.Blocklists blocklists(Section s, boolean anySource) {
        List<String> zones = s.list("dnsbl_zones", List.of(), false, e -> {
            String zone = e.string();
            if (zone == null) return null;
            if (!Names.isHostname(zone)) {
                e.error("must be a DNS blocklist zone such as \"zen.spamhaus.org\" (got \"" + zone + "\")");
                return null;
            }
            return Names.lower(zone);
        });
        Duration interval = s.duration("dnsbl_interval", EgressConfig.Blocklists.DEFAULT_INTERVAL, false);
        if (interval.compareTo(MIN_DNSBL_INTERVAL) < 0) {
            // Public lists block resolvers that ask too often; their answers are cached for their TTL anyway.
            s.error("dnsbl_interval", "must be at least 1m (got " + interval.toSeconds() + "s)");
            interval = MIN_DNSBL_INTERVAL;
        }
        String action = s.string("dnsbl_action", "remove");
        if (!action.equals("remove") && !action.equals("alert")) {
            s.error("dnsbl_action", "must be one of remove, alert (got \"" + action + "\")");
        }
        if (zones != null && !zones.isEmpty() && !anySource) {
            s.error("dnsbl_zones", "checks the addresses of [[egress.sources]], and none is configured"
                    + " (add the outbound address as a source)");
        }
        return new EgressConfig.Blocklists(zones == null ? List.of() : zones, interval, !action.equals("alert"));
    }

    private static EgressConfig.Source source(Section t, Set<String> warmups) {
        String name = t.requiredString("name");
        String address = t.requiredString("address");
        String ehlo = t.requiredString("ehlo");
        String warmup = t.string("warmup", null);
        String warmupStart = t.string("warmup_start", null);
        t.finish();
        boolean ok = name != null && address != null && ehlo != null;
        if (name != null && !isName(name)) {
            t.error("name", "must be letters, digits, '-', '_' or '.' (got \"" + name + "\")");
            ok = false;
        }
        if (address != null && IpLiterals.parse(address) == null) {
            t.error("address", "must be a literal IP address such as \"192.0.2.10\" (got \"" + address + "\")");
            ok = false;
        }
        if (ehlo != null && !Names.isHostname(ehlo)) {
            t.error("ehlo", "must be a host name such as \"out1.example.com\" (got \"" + ehlo + "\")");
            ok = false;
        }
        if (warmup != null && !warmups.contains(warmup)) {
            t.error("warmup", "no [warmup." + warmup + "] schedule is configured");
        }
        if (warmupStart != null) {
            try {
                LocalDate.parse(warmupStart);
            } catch (DateTimeParseException e) {
                t.error("warmup_start", "must be a date like \"2026-12-01\" (got \"" + warmupStart + "\")");
            }
        }
        return ok ? new EgressConfig.Source(name, address, Names.lower(ehlo), warmup, warmupStart) : null;
    }

    private static EgressConfig.Pool pool(Section t, Set<String> sourceNames) {
        String name = t.requiredString("name");
        boolean[] badSource = {false}; // a bad element is reported and left out: the pool is not built
        List<String> sources = t.list("sources", null, false, e -> {
            String n = e.string();
            if (n != null && !sourceNames.contains(n)) {
                e.error("no [[egress.sources]] is named \"" + n + "\"");
                n = null;
            }
            if (n == null) badSource[0] = true;
            return n;
        });
        if (sources == null) t.missing("sources");
        boolean[] badWeight = {false};
        List<Integer> weights = t.list("weights", null, false, e -> {
            Long w = e.integer(1, MAX_WEIGHT);
            if (w == null) badWeight[0] = true;
            return w == null ? null : w.intValue();
        });
        String overflow = t.string("overflow", "spill");
        t.finish();
        boolean ok = name != null && sources != null && !badSource[0] && !badWeight[0];
        if (sources != null && t.isEmptyArray("sources")) {
            t.error("sources", "must name at least one source");
            ok = false;
        }
        if (sources != null && new HashSet<>(sources).size() != sources.size()) {
            t.error("sources", "names a source twice (give it a larger weight instead)");
            ok = false;
        }
        if (ok && weights != null && weights.size() != sources.size()) {
            t.error("weights", "must have one weight per source (" + sources.size() + " sources, "
                    + weights.size() + " weights)");
            ok = false;
        }
        if (!overflow.equals("spill") && !overflow.equals("wait")) {
            t.error("overflow", "must be one of spill, wait (got \"" + overflow + "\")");
        }
        if (!ok) return null;
        if (weights == null) weights = sources.stream().map(x -> 1).toList();
        return new EgressConfig.Pool(name, sources, weights, overflow);
    }

    private static Map<String, String> poolMap(Section table, Set<String> poolNames, boolean domains) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : table.keys()) {
            if (domains && !Names.isHostname(key)) {
                table.error(key, "must be a domain name (got \"" + key + "\")");
                continue;
            }
            String pool = table.string(key, null);
            if (pool == null) continue;
            if (!poolNames.contains(pool)) {
                table.error(key, unknownPool(pool, poolNames));
                continue;
            }
            out.put(domains ? Names.lower(key) : key, pool);
        }
        return out;
    }

    private static String unknownPool(String name, Set<String> poolNames) {
        return "no [[egress.pools]] is named \"" + name + "\"" + (poolNames.isEmpty() ? "" : " (pools: "
                + String.join(", ", poolNames.stream().sorted().toList()) + ")");
    }

    private static boolean isName(String s) {
        return !s.isEmpty() && s.length() <= 64 && s.chars().allMatch(c -> c < 128
                && (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.'));
    }
}
