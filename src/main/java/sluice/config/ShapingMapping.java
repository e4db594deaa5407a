package sluice.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the {@code [[shaping]]} rules and {@code [warmup.NAME]} schedules, and the shipped provider rules
 * ({@value #SHIPPED}, the same format, checked by the same code).
 */
final class ShapingMapping {
    static final String SHIPPED = "/shaping-defaults.toml";
    private static final Duration DEFAULT_SUSPEND = Duration.ofHours(1);

    private ShapingMapping() {}

    /** The schedules of {@code [warmup]}: each checked ({@code daily}: positive caps; {@code advance}). */
    static Map<String, ShapingConfig.Warmup> warmups(Section warmup) {
        Map<String, ShapingConfig.Warmup> out = new LinkedHashMap<>();
        for (String name : warmup.keys()) {
            Section t = warmup.table(name);
            List<Long> daily = t.list("daily", null, false, e -> e.integer(1, Integer.MAX_VALUE));
            if (daily == null) t.missing("daily");
            else if (t.isEmptyArray("daily")) t.error("daily", "must list at least one day's cap");
            String advance = t.string("advance", "used");
            if (!advance.equals("used") && !advance.equals("calendar")) {
                t.error("advance", "must be one of used, calendar (got \"" + advance + "\")");
            }
            t.finish();
            if (daily != null && !daily.isEmpty() && !daily.contains(null)) {
                out.put(name, new ShapingConfig.Warmup(name, daily.stream().map(Long::intValue).toList(), advance));
            }
        }
        return out;
    }

    /** The file's rules, then (unless turned off) the shipped ones. */
    static ShapingConfig shaping(List<Section> tables, boolean shippedDefaults, Map<String, ShapingConfig.Warmup> warmups,
                                 Duration window) {
        List<ShapingConfig.Rule> rules = new ArrayList<>(rules(tables));
        if (shippedDefaults) rules.addAll(shipped());
        return new ShapingConfig(rules, warmups, window);
    }

    /**
     * {@code [egress] shaping_window}: adaptive backoff's window. At least 1 s, since lanes are looked at once a
     * second; at most a day.
     */
    static Duration window(Section egress) {
        Duration w = egress.duration("shaping_window", ShapingConfig.DEFAULT_WINDOW, false);
        if (w.compareTo(Duration.ofSeconds(1)) < 0 || w.compareTo(Duration.ofDays(1)) > 0) {
            egress.error("shaping_window", "must be between 1s and 1d (got " + w.toString().substring(2).toLowerCase() + ")");
            return ShapingConfig.DEFAULT_WINDOW;
        }
        return w;
    }

    static List<ShapingConfig.Rule> rules(List<Section> tables) {
        List<ShapingConfig.Rule> out = new ArrayList<>();
        Set<String> matches = new HashSet<>();
        for (Section t : tables) {
            ShapingConfig.Rule r = rule(t);
            if (r == null) continue;
            if (!matches.add(r.match())) {
                t.error("match", "another rule already matches \"" + r.match() + "\" (the first would always win)");
                continue;
            }
            out.add(r);
        }
        return out;
    }

    /** The shipped provider rules; a defect in them is a build defect, so it fails loudly. */
    static List<ShapingConfig.Rule> shipped() {
        String text;
        try (InputStream in = ShapingMapping.class.getResourceAsStream(SHIPPED)) {
            if (in == null) throw new IllegalStateException("the shipped shaping rules " + SHIPPED + " are missing from the jar");
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the shipped shaping rules: " + e.getMessage(), e);
        }
        try {
            TomlDocument doc = TomlDocument.parse(Path.of("shipped-shaping-defaults.toml"), text);
            Diagnostics d = new Diagnostics(doc.file(), doc.lines());
            Section top = new Section(doc.root(), KeyPath.ROOT, d);
            List<ShapingConfig.Rule> rules = rules(top.tables("shaping"));
            top.finish();
            d.throwIfAny();
            return rules;
        } catch (ConfigException e) {
            throw new IllegalStateException("the shipped shaping rules are invalid: " + e.getMessage(), e);
        }
    }

    private static ShapingConfig.Rule rule(Section t) {
        String match = t.requiredString("match");
        String group = t.string("group", null);
        long maxConnections = t.integer("max_connections", 1, 10_000, 0);
        long perConnection = t.integer("max_messages_per_connection", 1, 1_000_000, 0);
        Rate messageRate = rate(t, "max_message_rate");
        Rate connectionRate = rate(t, "max_connection_rate");
        String tls = t.string("tls", null);
        boolean backoff = t.bool("backoff", true);
        Duration suspendFor = t.duration("suspend_for", DEFAULT_SUSPEND, false);
        t.finish();
        if (match == null) return null;
        match = Names.lower(match.strip());
        boolean ok = true;
        if (match.equals("*")) {
            if (group != null) {
                t.error("group", "a \"*\" rule shapes each other domain as its own group; leave group out");
                ok = false;
            }
        } else if (match.startsWith("mx:")) {
            String suffix = match.substring(3);
            String bare = suffix.startsWith(".") ? suffix.substring(1) : suffix;
            if (!Names.isHostname(bare)) {
                t.error("match", "\"mx:\" must be followed by a host name suffix such as \".google.com\" (got \"" + match + "\")");
                ok = false;
            }
            if (group == null) {
                t.missing("group");
                ok = false;
            }
        } else if (!Names.isHostname(match)) {
            t.error("match", "must be a domain (\"example.com\"), \"mx:SUFFIX\" or \"*\" (got \"" + match + "\")");
            ok = false;
        }
        if (group != null && !isGroupName(group)) {
            t.error("group", "must be letters, digits, '-', '_' or '.' (got \"" + group + "\")");
            ok = false;
        }
        if (tls != null && !tls.equals("required") && !tls.equals("opportunistic")) {
            t.error("tls", "must be one of required, opportunistic (got \"" + tls + "\")");
            ok = false;
        }
        if (!ok) return null;
        String name = match.equals("*") ? null : group != null ? group : match;
        return new ShapingConfig.Rule(match, name, (int) maxConnections, (int) perConnection, messageRate,
                connectionRate, tls, backoff, suspendFor, t.origin());
    }

    private static Rate rate(Section t, String key) {
        String text = t.string(key, null);
        if (text == null) return null;
        try {
            return Rate.parse(text);
        } catch (IllegalArgumentException e) {
            t.error(key, e.getMessage());
            return null;
        }
    }

    private static boolean isGroupName(String s) {
        return !s.isEmpty() && s.length() <= 64 && s.chars().allMatch(c -> c < 128
                && (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.'));
    }
}
