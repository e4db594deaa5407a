package sluice.smtp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The ESMTP extensions a remote server announced in its EHLO reply: keyword (upper case) to parameters.
 * An empty set after HELO.
 */
public record Capabilities(Map<String, String> keywords) {
    public static final Capabilities NONE = new Capabilities(Map.of());

    public Capabilities {
        keywords = Collections.unmodifiableMap(new LinkedHashMap<>(keywords));
    }

    /** Parses an EHLO reply; its first line is the server's name and greeting, not an extension. */
    public static Capabilities parse(Reply ehlo) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 1; i < ehlo.lines().size(); i++) {
            String line = ehlo.lines().get(i).strip();
            if (line.isEmpty()) continue;
            int sp = line.indexOf(' ');
            String key = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
            String params = sp < 0 ? "" : line.substring(sp + 1).strip();
            if (key.startsWith("AUTH=")) { // pre-RFC 4954 form, still sent by some servers
                params = (key.substring(5) + " " + params).strip();
                key = "AUTH";
                if (map.containsKey(key)) continue;
            }
            map.putIfAbsent(key, params);
        }
        return new Capabilities(map);
    }

    public boolean has(String keyword) {
        return keywords.containsKey(keyword.toUpperCase(Locale.ROOT));
    }

    public Set<String> names() {
        return keywords.keySet();
    }

    /** The SIZE limit in octets, or 0 when none was announced (or announced without a number). */
    public long maxSize() {
        String value = keywords.get("SIZE");
        if (value == null || value.isEmpty()) return 0;
        try {
            return Math.max(0, Long.parseLong(value.split(" ")[0]));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The SASL mechanisms of the AUTH extension, upper case. */
    public Set<String> authMechanisms() {
        String value = keywords.get("AUTH");
        if (value == null || value.isBlank()) return Set.of();
        Set<String> out = new LinkedHashSet<>();
        for (String m : value.split("[ =]+")) if (!m.isEmpty()) out.add(m.toUpperCase(Locale.ROOT));
        return Collections.unmodifiableSet(out);
    }
}
