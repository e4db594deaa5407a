package sluice.shaping;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import sluice.config.ShapingConfig;

/**
 * Which shaping group a recipient domain belongs to: the first rule that matches it by name, by its MX hosts
 * ("mx:SUFFIX") or as "*". A domain no rule matches is a group of its own without limits ("*"): adaptive backoff
 * still applies to it. Answers are cached (bounded: domains come from outside).
 */
final class Groups {
    /** The group of a domain: its rule (null: none), its name, and the domain when it is shaped on its own. */
    record Match(ShapingConfig.Rule rule, String group, String domain) {
        /** The key of its lanes (one per source). */
        String key() {
            return domain == null ? group : "*:" + domain;
        }

        boolean named() {
            return domain == null;
        }
    }

    /** A domain's MX host names, or null when they cannot be looked up now. */
    @FunctionalInterface
    interface MxHosts {
        List<String> of(String domain);
    }

    private final List<ShapingConfig.Rule> rules;
    private final boolean anyMxRule;
    private final MxHosts mx;
    private final Cache<String, Match> cache = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterWrite(Duration.ofMinutes(10)).build();

    Groups(List<ShapingConfig.Rule> rules, MxHosts mx) {
        this.rules = List.copyOf(rules);
        this.anyMxRule = rules.stream().anyMatch(ShapingConfig.Rule::byMx);
        this.mx = mx;
    }

    Match of(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        if (d.startsWith("[")) return new Match(null, "*", d); // an address literal: no name, no MX, no rule
        Match cached = cache.getIfPresent(d);
        if (cached != null) return cached;
        List<String> hosts = null;
        boolean looked = false;
        boolean lookupFailed = false;
        Match found = null;
        for (ShapingConfig.Rule r : rules) {
            if (r.catchAll()) {
                found = new Match(r, "*", d);
                break;
            }
            if (r.byMx()) {
                if (!looked) {
                    hosts = mx.of(d);
                    looked = true;
                    lookupFailed = hosts == null;
                }
                if (hosts != null && hosts.stream().anyMatch(h -> endsWith(h, r.mxSuffix()))) {
                    found = new Match(r, r.group(), null);
                    break;
                }
            } else if (r.match().equals(d)) {
                found = new Match(r, r.group(), null);
                break;
            }
        }
        if (found == null) found = new Match(null, "*", d);
        // A failed MX lookup is not remembered: the domain is looked at again on its next attempt.
        if (!lookupFailed || !anyMxRule) cache.put(d, found);
        return found;
    }

    /** "aspmx.l.google.com" ends in ".google.com" and in "google.com"; "notgoogle.com" ends in neither. */
    static boolean endsWith(String host, String suffix) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        String s = suffix.toLowerCase(Locale.ROOT);
        if (s.startsWith(".")) return h.endsWith(s);
        return h.equals(s) || h.endsWith("." + s);
    }
}
