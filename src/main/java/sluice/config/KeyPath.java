package sluice.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A dotted key inside the TOML document, such as {@code listeners[1].mode}. Segments are table keys
 * (String) or array indexes (Integer, counted from 0), so a quoted key holding a dot stays one segment.
 */
record KeyPath(List<Object> segments) {
    static final KeyPath ROOT = new KeyPath(List.of());
    private static final Pattern BARE = Pattern.compile("[A-Za-z0-9_-]+");

    KeyPath {
        segments = List.copyOf(segments);
    }

    KeyPath child(String key) {
        return append(key);
    }

    KeyPath index(int i) {
        return append(i);
    }

    /** The table keys only, array indexes dropped: {@code listeners[1].mode} gives [listeners, mode]. */
    List<String> names() {
        return segments.stream().filter(s -> s instanceof String).map(s -> (String) s).toList();
    }

    /** The enclosing key, or null for the root. */
    KeyPath parent() {
        return segments.isEmpty() ? null : new KeyPath(segments.subList(0, segments.size() - 1));
    }

    private KeyPath append(Object segment) {
        List<Object> out = new ArrayList<>(segments);
        out.add(segment);
        return new KeyPath(out);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Object s : segments) {
            if (s instanceof Integer i) {
                sb.append('[').append(i).append(']');
                continue;
            }
            String key = (String) s;
            if (!sb.isEmpty()) sb.append('.');
            // Quoted the way TOML would need it, so "info@example.test" is not read as three keys.
            sb.append(BARE.matcher(key).matches() ? key : '"' + key.replace("\\", "\\\\").replace("\"", "\\\"") + '"');
        }
        return sb.toString();
    }
}
