package sluice.config;

import java.util.HashMap;
import java.util.Map;

/**
 * Where each key of a TOML file is written: dotted paths such as {@code limits.max_recipients} or
 * {@code listeners[1].mode} mapped to line numbers, so errors can name the line. Jackson's tree drops
 * positions, so the source is indexed separately (tables, arrays of tables and plain keys; keys inside
 * inline tables and multi-line arrays get the line of their parent key).
 */
final class KeyLines {
    private final Map<String, Integer> lines = new HashMap<>();

    KeyLines(String text) {
        Map<String, Integer> arrayCounts = new HashMap<>();
        String prefix = "";
        String[] all = text.split("\n", -1);
        int depth = 0; // open [ or { of a value spanning lines
        for (int i = 0; i < all.length; i++) {
            String line = stripComment(all[i]).strip();
            int lineNo = i + 1;
            if (depth > 0) {
                depth += balance(line);
                continue;
            }
            if (line.isEmpty()) continue;
            if (line.startsWith("[[") && line.endsWith("]]")) {
                String name = unquote(line.substring(2, line.length() - 2).strip());
                int n = arrayCounts.merge(name, 1, Integer::sum) - 1;
                prefix = name + "[" + n + "]";
                lines.putIfAbsent(prefix, lineNo);
            } else if (line.startsWith("[") && line.endsWith("]")) {
                prefix = unquote(line.substring(1, line.length() - 1).strip());
                lines.putIfAbsent(prefix, lineNo);
            } else {
                int eq = line.indexOf('=');
                if (eq <= 0) continue;
                String key = unquote(line.substring(0, eq).strip());
                lines.putIfAbsent(prefix.isEmpty() ? key : prefix + "." + key, lineNo);
                depth = Math.max(0, balance(line.substring(eq + 1)));
            }
        }
    }

    /** The line of the key, or of its nearest enclosing key or table; 0 if unknown. */
    int line(String path) {
        String p = path;
        while (!p.isEmpty()) {
            Integer n = lines.get(p);
            if (n != null) return n;
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            if (cut <= 0) break;
            p = p.substring(0, cut);
        }
        return 0;
    }

    private static int balance(String s) {
        int d = 0;
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' && (i == 0 || s.charAt(i - 1) != '\\')) quoted = !quoted;
            if (quoted) continue;
            if (c == '[' || c == '{') d++;
            if (c == ']' || c == '}') d--;
        }
        return d;
    }

    private static String stripComment(String s) {
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' && (i == 0 || s.charAt(i - 1) != '\\')) quoted = !quoted;
            if (c == '#' && !quoted) return s.substring(0, i);
        }
        return s;
    }

    private static String unquote(String k) {
        StringBuilder out = new StringBuilder();
        for (String part : k.split("\\.")) {
            String p = part.strip();
            if (p.length() >= 2 && (p.startsWith("\"") && p.endsWith("\"") || p.startsWith("'") && p.endsWith("'"))) {
                p = p.substring(1, p.length() - 1);
            }
            if (out.length() > 0) out.append('.');
            out.append(p);
        }
        return out.toString();
    }
}
