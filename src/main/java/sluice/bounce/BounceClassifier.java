package sluice.bounce;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Puts a remote server's reply into one of a few bounce classes (the delivery log's {@code bounce_class}), by rules
 * read from {@code bounce-rules.txt} (shipped in the jar; its header documents the format): first match wins.
 * Immutable and thread-safe.
 */
public final class BounceClassifier {
    public static final String OTHER = "other";
    /** Every class a rule may name. */
    public static final Set<String> CLASSES = Set.of("invalid_recipient", "mailbox_full", "message_too_large",
            "spam_block", "auth_failure", "rate_limited", "tls_required", "dns_routing", "content_rejected", OTHER);

    private static final String SHIPPED = "/bounce-rules.txt";
    private static final Pattern STATUS_IN_TEXT = Pattern.compile("^\\s*([245]\\.\\d{1,3}\\.\\d{1,3})\\b");

    private final List<Rule> rules;

    /** The shipped rules only. */
    public BounceClassifier() {
        this("");
    }

    /**
     * The rules in {@code extraRules} (same format as the shipped file), then the shipped ones.
     *
     * @throws IllegalArgumentException naming the line of an invalid rule
     */
    public BounceClassifier(String extraRules) {
        List<Rule> all = new ArrayList<>(parse(extraRules, "override"));
        all.addAll(parse(shipped(), "bounce-rules.txt"));
        this.rules = List.copyOf(all);
    }

    /** The shipped rules with those of {@code overrideFile} first. */
    public static BounceClassifier load(Path overrideFile) throws IOException {
        return new BounceClassifier(Files.readString(overrideFile, StandardCharsets.UTF_8));
    }

    /**
     * The class of a reply.
     *
     * @param code         the basic reply code (e.g. 550), or 0 when there was none (a connection failure)
     * @param enhancedCode "5.1.1", or null/empty; when absent, one at the start of {@code text} is used
     * @param text         the reply text (lines joined), may be null
     */
    public String classify(int code, String enhancedCode, String text) {
        String t = text == null ? "" : text;
        String status = enhancedCode == null ? "" : enhancedCode.strip();
        if (status.isEmpty()) {
            Matcher m = STATUS_IN_TEXT.matcher(t);
            if (m.find()) status = m.group(1);
        }
        int[] parts = statusParts(status);
        for (Rule r : rules) {
            if (r.matches(code, parts, t)) return r.klass();
        }
        return OTHER;
    }

    private static int[] statusParts(String status) {
        String[] p = status.split("\\.");
        if (p.length != 3) return null;
        try {
            return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String shipped() {
        try (InputStream in = BounceClassifier.class.getResourceAsStream(SHIPPED)) {
            if (in == null) throw new IllegalStateException("bounce-rules.txt missing from the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Rule> parse(String text, String source) {
        List<Rule> out = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] f = line.split("\\s+", 3);
            String where = source + " line " + (i + 1) + ": ";
            if (f.length < 2) throw new IllegalArgumentException(where + "expected CLASS CODES [REGEX]");
            String klass = f[0].toLowerCase(Locale.ROOT);
            if (!CLASSES.contains(klass)) {
                throw new IllegalArgumentException(where + "unknown class \"" + f[0] + "\" (one of " + CLASSES + ")");
            }
            List<CodeSpec> codes = new ArrayList<>();
            if (!f[1].equals("*")) {
                for (String c : f[1].split(",")) codes.add(CodeSpec.parse(c, where));
            }
            Pattern regex = null;
            if (f.length == 3) {
                try {
                    regex = Pattern.compile(f[2], Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException(where + "bad regular expression: " + e.getDescription());
                }
            }
            out.add(new Rule(klass, List.copyOf(codes), regex));
        }
        return out;
    }

    /** One line of the rules: any of {@code codes} (none: any reply) and the regex (null: any text). */
    record Rule(String klass, List<CodeSpec> codes, Pattern regex) {
        boolean matches(int code, int[] status, String text) {
            if (!codes.isEmpty() && codes.stream().noneMatch(c -> c.matches(code, status))) return false;
            return regex == null || regex.matcher(text).find();
        }
    }

    /**
     * A basic code pattern ("550", "5xx") or an enhanced status prefix ("5.7", "x.2.2", "5.7.606-649").
     * Components of a prefix: -1 is any (x); the last may be a range lo..hi.
     */
    record CodeSpec(String basic, int[] prefix, int hi) {
        static CodeSpec parse(String s, String where) {
            if (s.matches("[2-5x][0-9x]{2}")) return new CodeSpec(s, null, -1);
            Matcher m = Pattern.compile("([245x])(?:\\.(\\d{1,3})(?:\\.(\\d{1,3})(?:-(\\d{1,3}))?)?)?").matcher(s);
            if (!m.matches() || (s.indexOf('.') < 0)) {
                throw new IllegalArgumentException(where + "bad code \"" + s + "\" (550, 5xx, 5.1.1, x.2.2 or 5.7.606-649)");
            }
            int n = m.group(3) != null ? 3 : 2;
            int[] p = new int[n];
            p[0] = m.group(1).equals("x") ? -1 : Integer.parseInt(m.group(1));
            p[1] = Integer.parseInt(m.group(2));
            if (n == 3) p[2] = Integer.parseInt(m.group(3));
            int hi = m.group(4) == null ? (n == 3 ? p[2] : -1) : Integer.parseInt(m.group(4));
            return new CodeSpec(null, p, hi);
        }

        boolean matches(int code, int[] status) {
            if (basic != null) {
                String c = String.valueOf(code);
                if (c.length() != 3) return false;
                for (int i = 0; i < 3; i++) if (basic.charAt(i) != 'x' && basic.charAt(i) != c.charAt(i)) return false;
                return true;
            }
            if (status == null) return false;
            if (prefix[0] != -1 && prefix[0] != status[0]) return false;
            if (prefix[1] != status[1]) return false;
            return prefix.length < 3 || (status[2] >= prefix[2] && status[2] <= hi);
        }
    }
}
