package sluice.transit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Parses a policy file as served at {@code https://mta-sts.DOMAIN/.well-known/mta-sts.txt} (RFC 8461 3.2). */
final class StsPolicyFile {
    /** RFC 8461 3.2: max_age is at most about one year. */
    static final long MAX_AGE_LIMIT = 31_557_600;

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    sealed interface Parsed {}

    record Valid(StsPolicy policy) implements Parsed {}

    record Invalid(String why) implements Parsed {}

    private StsPolicyFile() {}

    /** The policy of {@code domain} fetched under TXT {@code id}, or why the file is not one. Never throws. */
    static Parsed parse(String domain, String id, String text) {
        String version = null;
        String mode = null;
        String maxAge = null;
        List<String> mx = new ArrayList<>();
        int n = 0;
        for (String raw : text.split("\r?\n", -1)) {
            n++;
            String line = raw.strip();
            if (line.isEmpty()) continue; // a final newline, or blank lines some publishers leave
            int colon = line.indexOf(':');
            if (colon < 0) return new Invalid("line " + n + ": not 'key: value': " + shown(line));
            String key = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            if (!KEY.matcher(key).matches()) return new Invalid("line " + n + ": bad key " + shown(key));
            switch (key) {
                case "version" -> {
                    if (version != null) return new Invalid("line " + n + ": version given twice");
                    version = value;
                }
                case "mode" -> {
                    if (mode != null) return new Invalid("line " + n + ": mode given twice");
                    mode = value;
                }
                case "max_age" -> {
                    if (maxAge != null) return new Invalid("line " + n + ": max_age given twice");
                    maxAge = value;
                }
                case "mx" -> {
                    // a trailing dot (an absolute name) is common in the wild and means the same host
                    String pattern = value.toLowerCase(Locale.ROOT).replaceFirst("\\.$", "");
                    String why = patternProblem(pattern);
                    if (why != null) return new Invalid("line " + n + ": mx " + shown(value) + ": " + why);
                    mx.add(pattern);
                }
                default -> { } // RFC 8461 3.2: unknown fields are ignored
            }
        }
        if (!"STSv1".equals(version)) return new Invalid(version == null ? "no version" : "version is not STSv1: " + shown(version));
        StsPolicy.Mode m;
        if (mode == null) return new Invalid("no mode");
        switch (mode) {
            case "enforce" -> m = StsPolicy.Mode.ENFORCE;
            case "testing" -> m = StsPolicy.Mode.TESTING;
            case "none" -> m = StsPolicy.Mode.NONE;
            default -> {
                return new Invalid("mode is not enforce, testing or none: " + shown(mode));
            }
        }
        if (maxAge == null) return new Invalid("no max_age");
        if (!maxAge.matches("[0-9]{1,10}") || Long.parseLong(maxAge) > MAX_AGE_LIMIT) {
            return new Invalid("max_age is not a number of seconds up to " + MAX_AGE_LIMIT + ": " + shown(maxAge));
        }
        if (mx.isEmpty() && m != StsPolicy.Mode.NONE) return new Invalid("no mx pattern");
        return new Valid(new StsPolicy(domain, id, m, mx, Long.parseLong(maxAge), text));
    }

    /** Null if {@code pattern} is a host name, optionally with "*." as its left-most label only; else why not. */
    private static String patternProblem(String pattern) {
        String host = pattern.startsWith("*.") ? pattern.substring(2) : pattern;
        String[] labels = host.split("\\.", -1);
        if (labels.length < 2) return "not a domain name with at least two labels";
        for (String label : labels) {
            if (label.equals("*")) return "a wildcard is allowed as the left-most label only";
            if (!LABEL.matcher(label).matches()) return "bad label " + shown(label);
        }
        return null;
    }

    /** A value quoted for a message, cut short: policy files come from others. */
    private static String shown(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        return "'" + cut.replaceAll("[^\\x20-\\x7E]", "?") + "'";
    }
}
