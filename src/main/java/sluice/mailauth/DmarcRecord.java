package sluice.mailauth;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A DMARC policy record (RFC 7489 6.3): v and p decide validity; other tags with bad values fall back to their
 * defaults, unknown tags are ignored. rua and ruf are kept but not used (no reports are sent).
 */
record DmarcRecord(String policy, Optional<String> subdomainPolicy, boolean strictDkim, boolean strictSpf, int pct,
        List<String> rua, List<String> ruf, String text) {
    private static final Pattern VERSION = Pattern.compile("v[ \\t]*=[ \\t]*DMARC1[ \\t]*(;.*)?", Pattern.DOTALL);
    private static final Pattern URI = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:\\S+");
    private static final List<String> POLICIES = List.of("none", "quarantine", "reject");

    /** Records that do not start with v=DMARC1 are not DMARC records at all (RFC 7489 6.6.3 step 2). */
    static boolean isDmarc1(String txt) {
        return VERSION.matcher(txt.strip()).matches();
    }

    /** The record, or empty when it has no valid p= (nor a usable rua=) or an invalid sp=. */
    static Optional<DmarcRecord> parse(String txt) {
        if (!isDmarc1(txt)) {
            return Optional.empty();
        }
        Map<String, String> tags = new HashMap<>();
        for (String part : txt.strip().split(";")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                if (!part.isBlank()) {
                    return Optional.empty(); // not a tag-list
                }
                continue;
            }
            tags.putIfAbsent(part.substring(0, eq).strip().toLowerCase(Locale.ROOT), part.substring(eq + 1).strip());
        }
        List<String> rua = uris(tags.get("rua"));
        List<String> ruf = uris(tags.get("ruf"));
        Optional<String> p = policy(tags.get("p"));
        Optional<String> sp = policy(tags.get("sp"));
        boolean spInvalid = tags.containsKey("sp") && sp.isEmpty();
        if (p.isEmpty() || spInvalid) {
            if (rua.isEmpty()) {
                return Optional.empty();
            }
            p = Optional.of("none"); // RFC 7489 6.6.3 step 6: act as p=none when there is somewhere to report
            sp = Optional.empty();
        }
        return Optional.of(new DmarcRecord(p.get(), sp, "s".equalsIgnoreCase(tags.get("adkim")),
                "s".equalsIgnoreCase(tags.get("aspf")), pct(tags.get("pct")), rua, ruf, txt.strip()));
    }

    private static Optional<String> policy(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String lower = value.toLowerCase(Locale.ROOT);
        return POLICIES.contains(lower) ? Optional.of(lower) : Optional.empty();
    }

    private static int pct(String value) {
        if (value == null || !value.matches("\\d{1,3}")) {
            return 100;
        }
        int pct = Integer.parseInt(value);
        return pct > 100 ? 100 : pct;
    }

    private static List<String> uris(String value) {
        if (value == null) {
            return List.of();
        }
        return java.util.Arrays.stream(value.split(",")).map(String::strip).filter(u -> URI.matcher(u).matches())
                .toList();
    }
}
