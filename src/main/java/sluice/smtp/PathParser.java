package sluice.smtp;

/**
 * Parses RFC 5321 paths ({@code <a@b>}, {@code <@relay:a@b>}, {@code <>}) with RFC 6531 UTF-8 where allowed.
 * Limits: local part 64 octets, domain 255 octets, path 256 octets.
 */
final class PathParser {
    static final int MAX_LOCAL_PART = 64;
    static final int MAX_DOMAIN = 255;
    static final int MAX_PATH = 256;

    /** A parsed path: mailbox null for the null path; {@code end} is the index after '>'. */
    record Parsed(Mailbox mailbox, boolean sourceRoute, int end) {}

    /** Thrown for a path that does not follow the grammar; carries what was wrong. */
    static final class BadPath extends Exception {
        BadPath(String message) {
            super(message, null, false, false);
        }
    }

    private PathParser() {}

    static Parsed parse(String s, int start, boolean allowNull) throws BadPath {
        int i = start;
        if (i >= s.length() || s.charAt(i) != '<') throw new BadPath("path must be in angle brackets");
        int close = findClose(s, i + 1);
        if (close < 0) throw new BadPath("missing '>'");
        if (close - i + 1 > MAX_PATH + 2) throw new BadPath("path too long");
        String inner = s.substring(i + 1, close);
        if (inner.isEmpty()) {
            if (!allowNull) throw new BadPath("null path not allowed here");
            return new Parsed(null, false, close + 1);
        }
        boolean route = false;
        if (inner.charAt(0) == '@') {
            // A-d-l: must be accepted, and is ignored (RFC 5321 4.1.1.3 / C)
            int colon = inner.indexOf(':');
            if (colon < 0) throw new BadPath("source route without ':'");
            for (String hop : inner.substring(0, colon).split(",", -1)) {
                if (hop.length() < 2 || hop.charAt(0) != '@' || !isDomain(hop.substring(1))) {
                    throw new BadPath("bad source route");
                }
            }
            inner = inner.substring(colon + 1);
            route = true;
        }
        return new Parsed(mailbox(inner), route, close + 1);
    }

    /** Parses "local@domain" (no brackets). */
    static Mailbox mailbox(String text) throws BadPath {
        int at = localPartEnd(text);
        if (at <= 0 || at >= text.length() || text.charAt(at) != '@') throw new BadPath("missing local part or '@'");
        String local = text.substring(0, at);
        String domain = text.substring(at + 1);
        if (utf8Length(local) > MAX_LOCAL_PART) throw new BadPath("local part longer than 64 octets");
        if (utf8Length(domain) > MAX_DOMAIN) throw new BadPath("domain longer than 255 octets");
        if (!isDomain(domain) && !isAddressLiteral(domain)) throw new BadPath("bad domain");
        return new Mailbox(local, domain);
    }

    private static int findClose(String s, int from) {
        boolean quoted = false;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                return i;
            }
        }
        return -1;
    }

    /** Index of the '@' that ends a Dot-string or Quoted-string local part, or -1. */
    private static int localPartEnd(String s) {
        if (s.isEmpty()) return -1;
        if (s.charAt(0) == '"') {
            for (int i = 1; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\\') {
                    if (i + 1 >= s.length() || s.charAt(i + 1) < 32 || s.charAt(i + 1) > 126) return -1;
                    i++;
                } else if (c == '"') {
                    return i + 1 < s.length() && s.charAt(i + 1) == '@' ? i + 1 : -1;
                } else if (!(c == 32 || c == 33 || (c >= 35 && c <= 91) || (c >= 93 && c <= 126) || c >= 0x80)) {
                    return -1;
                }
            }
            return -1;
        }
        int at = s.lastIndexOf('@');
        if (at <= 0) return -1;
        String local = s.substring(0, at);
        if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) return -1;
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c != '.' && !isAtext(c)) return -1;
        }
        return at;
    }

    static boolean isAtext(char c) {
        if (c >= 0x80) return true; // UTF-8 (RFC 6531); checked against SMTPUTF8 by the session
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
        return "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }

    static boolean isDomain(String d) {
        if (d.isEmpty() || d.length() > MAX_DOMAIN) return false;
        String[] labels = d.split("\\.", -1);
        for (String label : labels) {
            if (label.isEmpty() || label.length() > 63) return false;
            if (label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-') return false;
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                        || c >= 0x80;
                if (!ok) return false;
            }
        }
        return true;
    }

    static boolean isAddressLiteral(String d) {
        if (d.length() < 3 || d.charAt(0) != '[' || d.charAt(d.length() - 1) != ']') return false;
        String inner = d.substring(1, d.length() - 1);
        if (inner.regionMatches(true, 0, "IPv6:", 0, 5)) {
            String v6 = inner.substring(5);
            return v6.indexOf(':') >= 0 && sluice.config.IpLiterals.parse(v6) != null;
        }
        byte[] v4 = sluice.config.IpLiterals.parse(inner);
        return v4 != null && v4.length == 4;
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n++;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }
}
