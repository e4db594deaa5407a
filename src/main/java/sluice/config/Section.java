package sluice.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * One TOML table being read into a record. Every getter records a wrong value as an error and returns
 * the default, so reading goes on and all errors surface together; {@link #finish()} then reports the
 * keys nobody asked for.
 */
final class Section {
    private final JsonNode table; // null when the table is absent: every key has its default
    private final KeyPath path;
    private final Diagnostics diagnostics;
    private final Set<String> known = new LinkedHashSet<>();

    Section(JsonNode table, KeyPath path, Diagnostics diagnostics) {
        this.table = table;
        this.path = path;
        this.diagnostics = diagnostics;
    }

    /** "file:line" of this table, for values that say where they came from. */
    String origin() {
        return diagnostics.where(path);
    }

    KeyPath path() {
        return path;
    }

    boolean has(String key) {
        return value(key) != null;
    }

    /** Whether the key holds "[]": an element that failed to convert must not also count as "empty". */
    boolean isEmptyArray(String key) {
        JsonNode v = value(key);
        return v != null && v.isArray() && v.isEmpty();
    }

    void error(String key, String message) {
        diagnostics.error(path.child(key), message);
    }

    /** Reports a key that is required but absent; the line is the table's header. */
    void missing(String key) {
        error(key, "required key is missing");
    }

    /** Whether the key is present and holds a string (for keys that take a word or a number). */
    boolean isString(String key) {
        JsonNode v = value(key);
        return v != null && v.isTextual();
    }

    String string(String key, String fallback) {
        JsonNode v = value(key);
        if (v == null) return fallback;
        return string(v, path.child(key), fallback);
    }

    String requiredString(String key) {
        if (!has(key)) {
            missing(key);
            return null;
        }
        String v = string(key, null);
        if (v != null && v.isBlank()) {
            error(key, "must not be empty");
            return null;
        }
        return v;
    }

    boolean bool(String key, boolean fallback) {
        JsonNode v = value(key);
        if (v == null) return fallback;
        if (v.isBoolean()) return v.booleanValue();
        error(key, "must be true or false (got " + describe(v) + ")");
        return fallback;
    }

    long integer(String key, long min, long max, long fallback) {
        JsonNode v = value(key);
        if (v == null) return fallback;
        return integer(v, path.child(key), min, max, fallback);
    }

    /** A number (integer or decimal) between min and max. */
    double decimal(String key, double min, double max, double fallback) {
        JsonNode v = value(key);
        if (v == null) return fallback;
        if (!v.isNumber()) {
            diagnostics.error(path.child(key), "must be a number (got " + describe(v) + ")");
            return fallback;
        }
        if (v.doubleValue() < min || v.doubleValue() > max) {
            diagnostics.error(path.child(key), "must be between " + min + " and " + max + " (got " + describe(v) + ")");
            return fallback;
        }
        return v.doubleValue();
    }

    /** A required integer, or null when absent or invalid. */
    Long requiredInteger(String key, long min, long max) {
        if (!has(key)) {
            missing(key);
            return null;
        }
        long v = integer(value(key), path.child(key), min, max, Long.MIN_VALUE);
        return v == Long.MIN_VALUE ? null : v;
    }

    /** A duration string, or a plain integer meaning seconds. */
    Duration duration(String key, Duration fallback, boolean zeroAllowed) {
        JsonNode v = value(key);
        if (v == null) return fallback;
        Duration d = duration(v, path.child(key), zeroAllowed);
        return d == null ? fallback : d;
    }

    /** A size string like "25MiB", or a plain integer of bytes. */
    long size(String key, long min, long fallback) {
        JsonNode v = value(key);
        if (v == null) return fallback;
        long bytes;
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            bytes = v.longValue();
        } else if (v.isTextual()) {
            try {
                bytes = Units.size(v.textValue());
            } catch (IllegalArgumentException e) {
                error(key, e.getMessage());
                return fallback;
            }
        } else {
            error(key, "must be a size in bytes or a string like \"25MiB\" (got " + describe(v) + ")");
            return fallback;
        }
        if (bytes < min) {
            error(key, "must be at least " + min + " bytes (got " + describe(v) + ")");
            return fallback;
        }
        return bytes;
    }

    /** A path, relative ones resolved against {@code base}; absolute and normalized. */
    Path path(String key, Path base, Path fallback) {
        String s = string(key, null);
        if (s == null) return fallback;
        if (s.isBlank()) {
            error(key, "must not be empty");
            return fallback;
        }
        try {
            return base.resolve(Path.of(s)).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            error(key, "not a valid path (" + e.getReason() + ")");
            return fallback;
        }
    }

    /**
     * A list whose elements are converted one by one; {@code convert} returns null after reporting a bad
     * element. A single value where a list is expected is an error, except when {@code single} allows it.
     */
    <T> List<T> list(String key, List<T> fallback, boolean single, Function<Element, T> convert) {
        JsonNode v = value(key);
        if (v == null) return fallback;
        KeyPath at = path.child(key);
        if (!v.isArray()) {
            if (!single) {
                error(key, "must be an array (got " + describe(v) + ")");
                return fallback;
            }
            T one = convert.apply(new Element(v, at));
            return one == null ? fallback : List.of(one);
        }
        List<T> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            T item = convert.apply(new Element(v.get(i), at.index(i)));
            if (item != null) out.add(item);
        }
        return out;
    }

    List<String> strings(String key, List<String> fallback) {
        return list(key, fallback, false, Element::string);
    }

    /** A sub-table; absent gives an empty section (all defaults). */
    Section table(String key) {
        JsonNode v = value(key);
        if (v != null && !v.isObject()) {
            error(key, "must be a table ([" + path.child(key) + "]) (got " + describe(v) + ")");
            v = null;
        }
        return new Section(v, path.child(key), diagnostics);
    }

    /** An array of tables ([[key]]); absent gives an empty list. */
    List<Section> tables(String key) {
        JsonNode v = value(key);
        List<Section> out = new ArrayList<>();
        if (v == null) return out;
        if (!v.isArray()) {
            error(key, "must be an array of tables ([[" + path.child(key) + "]]) (got " + describe(v) + ")");
            return out;
        }
        for (int i = 0; i < v.size(); i++) {
            KeyPath at = path.child(key).index(i);
            if (v.get(i).isObject()) out.add(new Section(v.get(i), at, diagnostics));
            else diagnostics.error(at, "must be a table (got " + describe(v.get(i)) + ")");
        }
        return out;
    }

    /** All keys of a free-form table (aliases, catch_all), each marked as known. */
    List<String> keys() {
        List<String> out = new ArrayList<>();
        if (table != null) table.fieldNames().forEachRemaining(out::add);
        known.addAll(out);
        diagnostics.freeForm(path);
        return out;
    }

    /** Reports every key that no getter asked for, with a suggestion when one is close. */
    void finish() {
        if (table == null) return;
        for (Iterator<String> it = table.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (known.contains(key)) continue;
            String near = Suggestions.closest(key, known);
            error(key, near == null ? "unknown key" : "unknown key (did you mean \"" + near + "\"?)");
        }
    }

    private JsonNode value(String key) {
        known.add(key);
        diagnostics.asked(path.child(key));
        return table == null ? null : table.get(key);
    }

    private String string(JsonNode v, KeyPath at, String fallback) {
        if (v.isTextual()) return v.textValue();
        diagnostics.error(at, "must be a string (got " + describe(v) + ")");
        return fallback;
    }

    private long integer(JsonNode v, KeyPath at, long min, long max, long fallback) {
        if (!v.isIntegralNumber()) {
            diagnostics.error(at, "must be an integer (got " + describe(v) + ")");
            return fallback;
        }
        if (!v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
            diagnostics.error(at, "must be between " + min + " and " + max + " (got " + describe(v) + ")");
            return fallback;
        }
        return v.longValue();
    }

    private Duration duration(JsonNode v, KeyPath at, boolean zeroAllowed) {
        Duration d;
        if (v.isIntegralNumber() && v.canConvertToLong() && v.longValue() >= 0) {
            d = Duration.ofSeconds(v.longValue());
        } else if (v.isTextual()) {
            try {
                d = Units.duration(v.textValue());
            } catch (IllegalArgumentException e) {
                diagnostics.error(at, e.getMessage());
                return null;
            }
        } else {
            diagnostics.error(at, "must be a duration like \"30s\" or \"5m\" (got " + describe(v) + ")");
            return null;
        }
        if (d.isZero() && !zeroAllowed) {
            diagnostics.error(at, "must be longer than zero (got " + describe(v) + ")");
            return null;
        }
        return d;
    }

    /** How a value is shown in an error: strings quoted, containers by kind. */
    static String describe(JsonNode v) {
        if (v.isTextual()) {
            String s = v.textValue();
            return '"' + (s.length() > 60 ? s.substring(0, 60) + "…" : s) + '"';
        }
        if (v.isArray()) return "an array";
        if (v.isObject()) return "a table";
        return v.asText();
    }

    /** One value inside a list, with its own key path for errors. */
    final class Element {
        private final JsonNode value;
        private final KeyPath at;

        Element(JsonNode value, KeyPath at) {
            this.value = value;
            this.at = at;
        }

        JsonNode value() {
            return value;
        }

        void error(String message) {
            diagnostics.error(at, message);
        }

        String string() {
            return Section.this.string(value, at, null);
        }

        Integer port() {
            long p = Section.this.integer(value, at, 1, 65535, -1);
            return p < 0 ? null : (int) p;
        }

        Cidr cidr() {
            String text = string();
            if (text == null) return null;
            try {
                return Cidr.parse(text);
            } catch (IllegalArgumentException e) {
                error("must be a network like \"10.0.0.0/8\" or \"::1/128\" (" + e.getMessage() + ")");
                return null;
            }
        }

        Duration duration(boolean zeroAllowed) {
            return Section.this.duration(value, at, zeroAllowed);
        }

        /** An integer between min and max, or null when it is not one (reported). */
        Long integer(long min, long max) {
            long v = Section.this.integer(value, at, min, max, Long.MIN_VALUE);
            return v == Long.MIN_VALUE ? null : v;
        }
    }
}
