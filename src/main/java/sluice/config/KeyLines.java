package sluice.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The line on which each key and array element of a TOML document appears. Jackson's TOML reader
 * builds its tree without locations, so this second, structural pass over the text supplies them. It
 * trusts Jackson for validation: on malformed input it never throws, it just knows fewer lines.
 */
final class KeyLines {
    private final Map<KeyPath, Integer> lines = new HashMap<>();
    private final Map<KeyPath, Integer> arrayCounts = new HashMap<>();
    private final Set<KeyPath> assigned = new HashSet<>();
    private final String s;
    private int pos;
    private int line = 1;
    private KeyPath table = KeyPath.ROOT;
    private KeyPath duplicate;
    private int duplicateLine;

    private KeyLines(String text) {
        this.s = text;
    }

    static KeyLines scan(String text) {
        KeyLines k = new KeyLines(text);
        k.document();
        return k;
    }

    /** The line of the key, else of the nearest enclosing key or table header; 0 if none is known. */
    int lineOf(KeyPath path) {
        for (KeyPath p = path; p != null; p = p.parent()) {
            Integer l = lines.get(p);
            if (l != null) return l;
        }
        return 0;
    }

    /** The first key assigned twice, or null; Jackson reports duplicates a line late and without the key. */
    KeyPath duplicate() {
        return duplicate;
    }

    int duplicateLine() {
        return duplicateLine;
    }

    private void document() {
        while (true) {
            skipBlank();
            if (eof()) return;
            int before = pos;
            if (s.startsWith("[[", pos)) {
                pos += 2;
                header(keys(), true);
            } else if (peek() == '[') {
                pos++;
                header(keys(), false);
            } else {
                keyValue(table);
            }
            if (pos == before) pos++; // garbage Jackson has already reported: move on
        }
    }

    private void header(List<String> keys, boolean arrayOfTables) {
        int at = line;
        KeyPath p = KeyPath.ROOT;
        for (int i = 0; i < keys.size(); i++) {
            p = p.child(keys.get(i));
            boolean last = i == keys.size() - 1;
            if (last && arrayOfTables) {
                lines.putIfAbsent(p, at);
                p = p.index(arrayCounts.merge(p, 1, Integer::sum) - 1);
            } else if (arrayCounts.containsKey(p)) {
                p = p.index(arrayCounts.get(p) - 1); // [a.b] under [[a]] means the latest a
            } else {
                lines.putIfAbsent(p, at); // [a.b] defines "a" here too, if nothing did before
            }
        }
        lines.putIfAbsent(p, at);
        table = p;
        while (!eof() && peek() != '\n' && peek() != '#') pos++; // the closing bracket(s)
    }

    private void keyValue(KeyPath base) {
        int at = line;
        List<String> keys = keys();
        if (keys.isEmpty()) return;
        KeyPath p = base;
        for (String k : keys) {
            p = p.child(k);
            lines.putIfAbsent(p, at);
        }
        if (!assigned.add(p) && duplicate == null) {
            duplicate = p;
            duplicateLine = at;
        }
        skipSpaces();
        if (peek() != '=') return;
        pos++;
        skipSpaces();
        value(p);
    }

    private void value(KeyPath p) {
        if (s.startsWith("\"\"\"", pos)) {
            multiline("\"\"\"", true);
        } else if (s.startsWith("'''", pos)) {
            multiline("'''", false);
        } else if (peek() == '"' || peek() == '\'') {
            quoted();
        } else if (peek() == '[') {
            pos++;
            array(p);
        } else if (peek() == '{') {
            pos++;
            inlineTable(p);
        } else {
            while (!eof() && ",]}#\r\n".indexOf(peek()) < 0) pos++;
        }
    }

    private void array(KeyPath p) {
        for (int i = 0; ; i++) {
            skipBlank();
            if (eof()) return;
            if (peek() == ']') {
                pos++;
                return;
            }
            KeyPath element = p.index(i);
            lines.putIfAbsent(element, line);
            value(element);
            skipBlank();
            if (peek() == ',') {
                pos++;
            } else {
                if (peek() == ']') pos++;
                return;
            }
        }
    }

    private void inlineTable(KeyPath p) {
        while (true) {
            skipBlank();
            if (eof()) return;
            if (peek() == '}') {
                pos++;
                return;
            }
            keyValue(p);
            skipBlank();
            if (peek() == ',') {
                pos++;
            } else {
                if (peek() == '}') pos++;
                return;
            }
        }
    }

    private List<String> keys() {
        List<String> keys = new ArrayList<>();
        while (true) {
            skipSpaces();
            if (peek() == '"' || peek() == '\'') {
                keys.add(quoted());
            } else {
                int start = pos;
                while (!eof() && isBare(peek())) pos++;
                if (pos == start) return keys;
                keys.add(s.substring(start, pos));
            }
            skipSpaces();
            if (peek() != '.') return keys;
            pos++;
        }
    }

    /** A one-line basic or literal string; returns its content with basic escapes undone. */
    private String quoted() {
        char q = s.charAt(pos++);
        StringBuilder out = new StringBuilder();
        while (!eof() && peek() != q && peek() != '\n') {
            char c = s.charAt(pos++);
            if (c == '\\' && q == '"' && !eof()) {
                char e = s.charAt(pos++);
                switch (e) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'u', 'U' -> pos = unicode(out, e == 'u' ? 4 : 8);
                    default -> out.append(e);
                }
            } else {
                out.append(c);
            }
        }
        if (peek() == q) pos++;
        return out.toString();
    }

    private int unicode(StringBuilder out, int digits) {
        int end = Math.min(s.length(), pos + digits);
        try {
            out.appendCodePoint(Integer.parseInt(s.substring(pos, end), 16));
        } catch (IllegalArgumentException e) {
            // malformed escape: Jackson reports it
        }
        return end;
    }

    private void multiline(String delimiter, boolean escapes) {
        pos += 3;
        while (!eof() && !s.startsWith(delimiter, pos)) {
            char c = s.charAt(pos++);
            if (c == '\n') line++;
            else if (c == '\\' && escapes && !eof()) {
                if (peek() == '\n') line++;
                pos++;
            }
        }
        pos = Math.min(s.length(), pos + 3);
        while (peek() == delimiter.charAt(0)) pos++; // up to two quotes may end the content
    }

    private void skipSpaces() {
        while (peek() == ' ' || peek() == '\t') pos++;
    }

    /** Whitespace, newlines and comments. */
    private void skipBlank() {
        while (!eof()) {
            char c = peek();
            if (c == '\n') {
                line++;
                pos++;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                pos++;
            } else if (c == '#') {
                while (!eof() && peek() != '\n') pos++;
            } else {
                return;
            }
        }
    }

    private static boolean isBare(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-';
    }

    private boolean eof() {
        return pos >= s.length();
    }

    private char peek() {
        return eof() ? '\0' : s.charAt(pos);
    }
}
