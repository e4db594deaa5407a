package sluice.mailauth;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A parsed "v=spf1" record (RFC 7208 4.6, 12): its mechanisms in order and the redirect and exp modifiers. */
record SpfRecord(List<Mechanism> mechanisms, String redirect, String exp) {
    private static final Pattern MODIFIER = Pattern.compile("([A-Za-z][A-Za-z0-9_.-]*)=(.*)");
    private static final Pattern TARGET_AND_CIDR = Pattern.compile("(?::(.+?))?(?:/(\\d+))?(?://(\\d+))?");
    private static final Pattern TOPLABEL = Pattern.compile("[A-Za-z0-9-]*[A-Za-z][A-Za-z0-9-]*");
    private static final Pattern IPV4 = Pattern.compile(
            "(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    enum Kind { ALL, INCLUDE, A, MX, PTR, IP4, IP6, EXISTS }

    /**
     * One mechanism: {@code target} is the domain-spec (null when absent) or, for ip4/ip6, the network;
     * {@code cidr4}/{@code cidr6} the prefix lengths; {@code text} the term as written.
     */
    record Mechanism(SpfResult.Result qualifier, Kind kind, String target, InetAddress network, int cidr4, int cidr6,
            String text) {}

    /** True if {@code txt} is an SPF version 1 record: "v=spf1" alone or followed by a space (RFC 7208 4.5). */
    static boolean isSpf1(String txt) {
        return txt.regionMatches(true, 0, "v=spf1", 0, 6) && (txt.length() == 6 || txt.charAt(6) == ' ');
    }

    /** Parses the whole record: any syntax error anywhere is a permerror before evaluation (RFC 7208 4.6). */
    static SpfRecord parse(String txt) throws SpfException {
        if (!isSpf1(txt)) {
            throw SpfException.permerror("not an SPF record: " + txt);
        }
        List<Mechanism> mechanisms = new ArrayList<>();
        String redirect = null;
        String exp = null;
        for (String term : txt.substring(6).split(" ")) {
            if (term.isEmpty()) {
                continue;
            }
            Matcher modifier = MODIFIER.matcher(term);
            if (modifier.matches()) {
                String name = modifier.group(1).toLowerCase(Locale.ROOT);
                String value = modifier.group(2);
                switch (name) {
                    case "redirect" -> {
                        if (redirect != null) {
                            throw SpfException.permerror("more than one redirect= modifier");
                        }
                        redirect = domainSpec(value, term);
                    }
                    case "exp" -> {
                        if (exp != null) {
                            throw SpfException.permerror("more than one exp= modifier");
                        }
                        exp = domainSpec(value, term);
                    }
                    default -> SpfMacros.validate(value, false); // unknown modifiers are ignored (RFC 7208 6)
                }
                continue;
            }
            mechanisms.add(mechanism(term));
        }
        return new SpfRecord(List.copyOf(mechanisms), redirect, exp);
    }

    private static Mechanism mechanism(String term) throws SpfException {
        SpfResult.Result qualifier = switch (term.charAt(0)) {
            case '-' -> SpfResult.Result.FAIL;
            case '~' -> SpfResult.Result.SOFTFAIL;
            case '?' -> SpfResult.Result.NEUTRAL;
            default -> SpfResult.Result.PASS;
        };
        String body = "+-~?".indexOf(term.charAt(0)) >= 0 ? term.substring(1) : term;
        int end = 0;
        while (end < body.length() && Character.isLetterOrDigit(body.charAt(end))) {
            end++;
        }
        String name = body.substring(0, end).toLowerCase(Locale.ROOT);
        String rest = body.substring(end);
        return switch (name) {
            case "all" -> {
                if (!rest.isEmpty()) {
                    throw SpfException.permerror("invalid term: " + term);
                }
                yield new Mechanism(qualifier, Kind.ALL, null, null, 32, 128, term);
            }
            case "include", "exists" -> {
                if (!rest.startsWith(":")) {
                    throw SpfException.permerror(name + " needs a domain: " + term);
                }
                Kind kind = name.equals("include") ? Kind.INCLUDE : Kind.EXISTS;
                yield new Mechanism(qualifier, kind, domainSpec(rest.substring(1), term), null, 32, 128, term);
            }
            case "a", "mx" -> targetAndCidr(qualifier, name.equals("a") ? Kind.A : Kind.MX, rest, term);
            case "ptr" -> {
                if (!rest.isEmpty() && !rest.startsWith(":")) {
                    throw SpfException.permerror("invalid term: " + term);
                }
                String target = rest.isEmpty() ? null : domainSpec(rest.substring(1), term);
                yield new Mechanism(qualifier, Kind.PTR, target, null, 32, 128, term);
            }
            case "ip4", "ip6" -> network(qualifier, name.equals("ip4"), rest, term);
            default -> throw SpfException.permerror("unknown mechanism: " + term);
        };
    }

    private static Mechanism targetAndCidr(SpfResult.Result qualifier, Kind kind, String rest, String term)
            throws SpfException {
        Matcher m = TARGET_AND_CIDR.matcher(rest);
        if (!m.matches()) {
            throw SpfException.permerror("invalid term: " + term);
        }
        String target = m.group(1) == null ? null : domainSpec(m.group(1), term);
        int cidr4 = m.group(2) == null ? 32 : cidr(m.group(2), 32, term);
        int cidr6 = m.group(3) == null ? 128 : cidr(m.group(3), 128, term);
        return new Mechanism(qualifier, kind, target, null, cidr4, cidr6, term);
    }

    private static Mechanism network(SpfResult.Result qualifier, boolean v4, String rest, String term)
            throws SpfException {
        if (!rest.startsWith(":")) {
            throw SpfException.permerror("missing network: " + term);
        }
        String value = rest.substring(1);
        int slash = value.indexOf('/');
        String ip = slash < 0 ? value : value.substring(0, slash);
        int max = v4 ? 32 : 128;
        int cidr = slash < 0 ? max : cidr(value.substring(slash + 1), max, term);
        if (v4 ? !IPV4.matcher(ip).matches() : !IPV6_CHARS.matcher(ip).matches()) {
            throw SpfException.permerror("invalid network: " + term);
        }
        InetAddress network = sluice.config.IpLiterals.toAddress(ip); // literals only: never a DNS query
        if (network == null) throw SpfException.permerror("invalid network: " + term);
        Kind kind = v4 ? Kind.IP4 : Kind.IP6;
        return new Mechanism(qualifier, kind, null, network, v4 ? cidr : 32, v4 ? 128 : cidr, term);
    }

    private static int cidr(String digits, int max, String term) throws SpfException {
        if (digits.isEmpty() || digits.length() > 3 || (digits.length() > 1 && digits.charAt(0) == '0')
                || !digits.chars().allMatch(Character::isDigit) || Integer.parseInt(digits) > max) {
            throw SpfException.permerror("invalid CIDR length in " + term);
        }
        return Integer.parseInt(digits);
    }

    /** A domain-spec: a valid macro string ending in a macro or in "." toplabel (RFC 7208 7.1). */
    private static String domainSpec(String spec, String term) throws SpfException {
        if (spec.isEmpty()) {
            throw SpfException.permerror("empty domain in " + term);
        }
        SpfMacros.validate(spec, false);
        String body = spec.endsWith(".") ? spec.substring(0, spec.length() - 1) : spec;
        if (body.endsWith("}")) {
            return spec;
        }
        int dot = body.lastIndexOf('.');
        if (dot < 0 || !TOPLABEL.matcher(body.substring(dot + 1)).matches() || body.substring(dot + 1).startsWith("-")
                || body.substring(dot + 1).endsWith("-")) {
            throw SpfException.permerror("invalid domain in " + term);
        }
        return spec;
    }
}
