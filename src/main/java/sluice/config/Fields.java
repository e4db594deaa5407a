package sluice.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Typed reads from the TOML tree that record an error (with line and key) instead of failing. */
final class Fields {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(?i)(\\d+)\\s*(b|kb|kib|mb|mib|gb|gib|tb|tib)?");

    private final Path file;
    private final KeyLines lines;
    final List<ConfigError> errors = new ArrayList<>();

    Fields(Path file, KeyLines lines) {
        this.file = file;
        this.lines = lines;
    }

    void error(String path, String message) {
        errors.add(new ConfigError(file, lines.line(path), path, message));
    }

    static String join(String prefix, String key) {
        return prefix.isEmpty() ? key : prefix + "." + key;
    }

    /** Reports keys of {@code node} that are not in {@code known}, with a suggestion when one is close. */
    void checkKeys(JsonNode node, String prefix, Set<String> known) {
        if (node == null || !node.isObject()) return;
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (known.contains(k)) continue;
            String hint = known.stream().filter(c -> distance(c, k) <= 2).findFirst().map(c -> " (did you mean " + c + "?)")
                    .orElse("");
            error(join(prefix, k), "unknown key" + hint);
        }
    }

    /** The table at {@code key}, or null (absent); an error if it is not a table. */
    JsonNode table(JsonNode parent, String prefix, String key) {
        JsonNode n = parent == null ? null : parent.get(key);
        if (n == null || n.isNull()) return null;
        if (!n.isObject()) {
            error(join(prefix, key), "must be a table");
            return null;
        }
        return n;
    }

    String string(JsonNode parent, String prefix, String key, String dflt) {
        JsonNode n = parent == null ? null : parent.get(key);
        if (n == null) return dflt;
        if (!n.isTextual()) {
            error(join(prefix, key), "must be a string");
            return dflt;
        }
        return n.asText();
    }

    boolean bool(JsonNode parent, String prefix, String key, boolean dflt) {
        JsonNode n = parent == null ? null : parent.get(key);
        if (n == null) return dflt;
        if (!n.isBoolean()) {
            error(join(prefix, key), "must be true or false");
            return dflt;
        }
        return n.asBoolean();
    }

    long integer(JsonNode parent, String prefix, String key, long dflt, long min, long max) {
        JsonNode n = parent == null ? null : parent.get(key);
        if (n == null) return dflt;
        if (!n.isIntegralNumber()) {
            error(join(prefix, key), "must be an integer");
            return dflt;
        }
        long v = n.asLong();
        if (v < min || v > max) {
            error(join(prefix, key), "must be between " + min + " and " + max + " (got " + v + ")");
            return dflt;
        }
        return v;
    }

    Duration duration(JsonNode parent, String prefix, String key, Duration dflt, boolean allowZero) {
        JsonNode n = parent == null ? null : parent.get(key);
        if (n == null) return dflt;
        Duration d = parseDuration(n);
        if (d == null || (!allowZero && d.isZero())) {
            error(join(prefix, key), "must be a duration like \"30s\", \"5m\", \"1h30m\", \"5d\" (got " + n + ")");
            return dflt;
        }
        return d;
    }

    static Duration parseDuration(JsonNode n) {
        if (n.isIntegralNumber()) return n.asLong() >= 0 ? Duration.ofSeconds(n.asLong()) : null;
        if (!n.isTextual()) return null;
        String s = n.asText().strip().toLowerCase(Locale.ROOT);
        if (s.equals("0")) return Duration.ZERO;
        Matcher m = DURATION.matcher(s);
        Duration total = Duration.ZERO;
        int at = 0;
        while (m.find()) {
            if (m.start() != at) return null;
            long v = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(v);
                case "s" -> Duration.ofSeconds(v);
                case "m" -> Duration.ofMinutes(v);
                case "h" -> Duration.ofHours(v);
                default -> Duration.ofDays(v);
            });
            at = m.end();
        }
        return at == s.length() && at > 0 ? total : null;
    }

    long size(JsonNode parent, String prefix, String key, long dflt) {
        JsonNode n = parent == null ? null : parent.get(key);
        if (n == null) return dflt;
        long v = parseSize(n);
        if (v < 0) {
            error(join(prefix, key), "must be a size in bytes or like \"25MiB\", \"512KiB\", \"10MB\" (got " + n + ")");
            return dflt;
        }
        return v;
    }

    static long parseSize(JsonNode n) {
        if (n.isIntegralNumber()) return n.asLong() >= 0 ? n.asLong() : -1;
        if (!n.isTextual()) return -1;
        Matcher m = SIZE.matcher(n.asText().strip());
        if (!m.matches()) return -1;
        long v = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long mult = switch (unit) {
            case "kb" -> 1000L;
            case "kib" -> 1L << 10;
            case "mb" -> 1000L * 1000;
            case "mib" -> 1L << 20;
            case "gb" -> 1000L * 1000 * 1000;
            case "gib" -> 1L << 30;
            case "tb" -> 1000L * 1000 * 1000 * 1000;
            case "tib" -> 1L << 40;
            default -> 1L;
        };
        return Math.multiplyHigh(v, mult) != 0 || v * mult < 0 ? Long.MAX_VALUE : v * mult;
    }

    /** A list of strings; a single string is accepted as a one-element list when {@code single}. */
    List<String> strings(JsonNode parent, String prefix, String key, List<String> dflt, boolean single) {
        JsonNode n = parent == null ? null : parent.get(key);
        if (n == null) return dflt;
        if (single && n.isTextual()) return List.of(n.asText());
        if (!n.isArray()) {
            error(join(prefix, key), "must be an array of strings");
            return dflt;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isTextual()) {
                error(join(prefix, key) + "[" + i + "]", "must be a string");
            } else {
                out.add(n.get(i).asText());
            }
        }
        return out;
    }

    List<Integer> ports(JsonNode parent, String prefix, String key, List<Integer> dflt) {
        JsonNode n = parent == null ? null : parent.get(key);
        if (n == null) return dflt;
        if (!n.isArray()) {
            error(join(prefix, key), "must be an array of port numbers");
            return dflt;
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode p = n.get(i);
            if (!p.isIntegralNumber() || p.asInt() < 1 || p.asInt() > 65535) {
                error(join(prefix, key) + "[" + i + "]", "must be a port number 1-65535");
            } else {
                out.add(p.asInt());
            }
        }
        return out;
    }

    List<Cidr> cidrs(JsonNode parent, String prefix, String key, List<Cidr> dflt) {
        List<String> raw = strings(parent, prefix, key, null, false);
        if (raw == null) return dflt;
        List<Cidr> out = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            try {
                out.add(Cidr.parse(raw.get(i)));
            } catch (IllegalArgumentException e) {
                error(join(prefix, key) + "[" + i + "]", "bad network " + raw.get(i) + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
