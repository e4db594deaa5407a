package sluice.mailauth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** RFC 6376 3.2 tag=value lists, as in DKIM-Signature fields and key records. */
final class Tags {
    private static final Pattern B_VALUE = Pattern.compile("(^|;)(\\s*b\\s*=)[^;]*");
    private static final Pattern TAG_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

    private Tags() {}

    /** Thrown for a list that breaks the grammar or repeats a tag (both PERMERROR). */
    static final class SyntaxException extends Exception {
        SyntaxException(String message) {
            super(message, null, false, false);
        }
    }

    /** Tag names to values, FWS removed around both; a trailing ';' is allowed. */
    static Map<String, String> parse(String list) throws SyntaxException {
        Map<String, String> tags = new LinkedHashMap<>();
        String unfolded = list.replace("\r\n", "").replace("\n", "");
        String[] specs = unfolded.split(";", -1);
        for (int i = 0; i < specs.length; i++) {
            String spec = specs[i].strip();
            if (spec.isEmpty()) {
                if (i == specs.length - 1) break;
                throw new SyntaxException("empty tag");
            }
            int eq = spec.indexOf('=');
            if (eq < 0) throw new SyntaxException("tag without '=': " + abbreviate(spec));
            String name = spec.substring(0, eq).strip();
            if (!TAG_NAME.matcher(name).matches()) throw new SyntaxException("bad tag name: " + abbreviate(name));
            if (tags.putIfAbsent(name, spec.substring(eq + 1).strip()) != null) {
                throw new SyntaxException("duplicate tag " + name + "=");
            }
        }
        return tags;
    }

    /** The field with the value of its b= tag removed, surrounding whitespace included (RFC 6376 3.7). */
    static String withoutB(String rawField) {
        int colon = rawField.indexOf(':');
        String name = rawField.substring(0, colon + 1);
        return name + B_VALUE.matcher(rawField.substring(colon + 1)).replaceFirst("$1$2");
    }

    /** A base64 value with its FWS removed. */
    static String base64(String value) {
        return value.replaceAll("[ \\t\\r\\n]", "");
    }

    static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
