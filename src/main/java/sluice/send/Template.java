package sluice.send;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A text with {@code {{name}}} placeholders (spaces inside the braces allowed), parsed once and rendered per
 * recipient: the send API's batches (subject, text, html) and the bulk CLI's template share this one definition.
 * A placeholder whose variable is missing is an error, never an empty string: a campaign that would greet 10,000
 * people with "Dear ," must stop before it starts.
 */
public final class Template {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_.-]{1,64})\\s*}}");

    /** How a value is written into the text. */
    public enum Escaping {
        /** As given: a subject, a plain-text part. */
        NONE,
        /** With {@code & < > " '} escaped: an HTML part. */
        HTML
    }

    /** The text cut at its placeholders: {@code parts} has one more element than {@code names}. */
    private final List<String> parts;
    private final List<String> names;

    private Template(List<String> parts, List<String> names) {
        this.parts = parts;
        this.names = names;
    }

    public static Template parse(String text) {
        List<String> parts = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(text);
        int at = 0;
        while (m.find()) {
            parts.add(text.substring(at, m.start()));
            names.add(m.group(1));
            at = m.end();
        }
        parts.add(text.substring(at));
        return new Template(List.copyOf(parts), List.copyOf(names));
    }

    /** The variables the text uses, in order of first use. */
    public Set<String> variables() {
        return new LinkedHashSet<>(names);
    }

    /** True when the text has no placeholder (every recipient gets the same text). */
    public boolean constant() {
        return names.isEmpty();
    }

    /** The variables the text uses that {@code values} lacks, in order of first use; empty when it renders. */
    public List<String> missing(Map<String, String> values) {
        return variables().stream().filter(n -> !values.containsKey(n)).toList();
    }

    /**
     * The text with every placeholder replaced.
     *
     * @throws IllegalArgumentException naming the first variable {@code values} lacks (check {@link #missing} first
     *                                  for a message that lists them all)
     */
    public String render(Map<String, String> values, Escaping escaping) {
        StringBuilder out = new StringBuilder(parts.getFirst().length() * 2 + 16);
        out.append(parts.getFirst());
        for (int i = 0; i < names.size(); i++) {
            String value = values.get(names.get(i));
            if (value == null) throw new IllegalArgumentException("no value for {{" + names.get(i) + "}}");
            if (escaping == Escaping.HTML) escapeHtml(value, out);
            else out.append(value);
            out.append(parts.get(i + 1));
        }
        return out.toString();
    }

    private static void escapeHtml(String value, StringBuilder out) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
    }
}
