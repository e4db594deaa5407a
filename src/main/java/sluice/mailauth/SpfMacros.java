package sluice.mailauth;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;

/** RFC 7208 7: macro expansion of domain-specs and explanation strings. */
final class SpfMacros {
    private static final String DELIMITERS = ".-+,/_=";
    private static final String UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

    /**
     * What the macros stand for. {@code sender} is the full address (postmaster@domain when the local part is
     * empty); {@code validatedName} gives the %{p} value for a domain, computed (with DNS) only when a macro asks for it.
     */
    record Context(String sender, String domain, InetAddress ip, String helo, String receiver, long timestamp,
            UnaryOperator<String> validatedName) {

        Context withDomain(String other) {
            return new Context(sender, other, ip, helo, receiver, timestamp, validatedName);
        }
    }

    private SpfMacros() {}

    /** Expands {@code spec}; {@code explanation} allows spaces and the c, r, t macros (RFC 7208 7.1). */
    static String expand(String spec, Context context, boolean explanation) throws SpfException {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < spec.length()) {
            char c = spec.charAt(i);
            if (c != '%') {
                if (c < 0x20 || c > 0x7e || (c == ' ' && !explanation)) {
                    throw SpfException.permerror("invalid character in macro string: " + spec);
                }
                out.append(c);
                i++;
                continue;
            }
            if (i + 1 >= spec.length()) {
                throw SpfException.permerror("lone % at end of macro string: " + spec);
            }
            char next = spec.charAt(i + 1);
            switch (next) {
                case '%' -> out.append('%');
                case '_' -> out.append(' ');
                case '-' -> out.append("%20");
                case '{' -> {
                    int close = spec.indexOf('}', i + 2);
                    if (close < 0) {
                        throw SpfException.permerror("unterminated macro: " + spec);
                    }
                    out.append(macro(spec.substring(i + 2, close), context, explanation));
                    i = close + 1;
                    continue;
                }
                default -> throw SpfException.permerror("invalid macro escape %" + next + " in " + spec);
            }
            i += 2;
        }
        return out.toString();
    }

    /** Checks the syntax of {@code spec} without DNS. */
    static void validate(String spec, boolean explanation) throws SpfException {
        InetAddress any = InetAddress.getLoopbackAddress();
        expand(spec, new Context("postmaster@x.invalid", "x.invalid", any, "x.invalid", "x.invalid", 0, d -> "unknown"),
                explanation);
    }

    /** One macro body such as "d2r" or "l-" (without the braces). */
    private static String macro(String body, Context context, boolean explanation) throws SpfException {
        if (body.isEmpty()) {
            throw SpfException.permerror("empty macro %{}");
        }
        char letter = body.charAt(0);
        String value = value(Character.toLowerCase(letter), context, explanation);
        int i = 1;
        int digitsStart = i;
        while (i < body.length() && Character.isDigit(body.charAt(i))) {
            i++;
        }
        int keep = Integer.MAX_VALUE;
        if (i > digitsStart) {
            String digits = body.substring(digitsStart, i);
            keep = digits.length() > 3 ? 999 : Integer.parseInt(digits);
            if (keep == 0) {
                throw SpfException.permerror("macro transformer 0 in %{" + body + "}");
            }
        }
        boolean reverse = false;
        if (i < body.length() && Character.toLowerCase(body.charAt(i)) == 'r') {
            reverse = true;
            i++;
        }
        String delimiters = body.substring(i);
        for (char d : delimiters.toCharArray()) {
            if (DELIMITERS.indexOf(d) < 0) {
                throw SpfException.permerror("invalid macro delimiter '" + d + "' in %{" + body + "}");
            }
        }
        String transformed = transform(value, keep, reverse, delimiters.isEmpty() ? "." : delimiters);
        return Character.isUpperCase(letter) ? urlEscape(transformed) : transformed;
    }

    private static String value(char letter, Context context, boolean explanation) throws SpfException {
        String sender = context.sender();
        int at = sender.lastIndexOf('@');
        return switch (letter) {
            case 's' -> sender;
            case 'l' -> at < 0 ? "postmaster" : sender.substring(0, at);
            case 'o' -> at < 0 ? sender : sender.substring(at + 1);
            case 'd' -> context.domain();
            case 'i' -> dotted(context.ip());
            case 'p' -> context.validatedName().apply(context.domain());
            case 'v' -> context.ip() instanceof Inet4Address ? "in-addr" : "ip6";
            case 'h' -> context.helo();
            case 'c', 'r', 't' -> {
                if (!explanation) {
                    throw SpfException.permerror("macro %{" + letter + "} is only allowed in exp= text");
                }
                yield switch (letter) {
                    case 'c' -> readable(context.ip());
                    case 'r' -> context.receiver();
                    default -> Long.toString(context.timestamp());
                };
            }
            default -> throw SpfException.permerror("unknown macro letter '" + letter + "'");
        };
    }

    /** Split on the delimiters, optionally reverse, keep the rightmost {@code keep} parts, join with dots. */
    private static String transform(String value, int keep, boolean reverse, String delimiters) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            if (delimiters.indexOf(value.charAt(i)) >= 0) {
                parts.add(value.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(value.substring(start));
        if (reverse) {
            Collections.reverse(parts);
        }
        if (keep < parts.size()) {
            parts = parts.subList(parts.size() - keep, parts.size());
        }
        return String.join(".", parts);
    }

    /** %{i}: dotted quad, or 32 dot-separated nibbles for IPv6 (RFC 7208 7.3). */
    static String dotted(InetAddress ip) {
        byte[] bytes = ip.getAddress();
        StringBuilder out = new StringBuilder();
        if (bytes.length == 4) {
            for (byte b : bytes) {
                out.append(out.isEmpty() ? "" : ".").append(b & 0xff);
            }
            return out.toString();
        }
        for (byte b : bytes) {
            out.append(out.isEmpty() ? "" : ".").append(Character.forDigit((b >> 4) & 0xf, 16));
            out.append('.').append(Character.forDigit(b & 0xf, 16));
        }
        return out.toString();
    }

    /** %{c}: the address as people write it (RFC 5952 for IPv6). */
    static String readable(InetAddress ip) {
        byte[] bytes = ip.getAddress();
        if (bytes.length == 4) {
            return ip.getHostAddress();
        }
        int[] groups = new int[8];
        for (int g = 0; g < 8; g++) {
            groups[g] = ((bytes[2 * g] & 0xff) << 8) | (bytes[2 * g + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not compressed
        for (int g = 0; g < 8; ) {
            if (groups[g] != 0) {
                g++;
                continue;
            }
            int end = g;
            while (end < 8 && groups[end] == 0) {
                end++;
            }
            if (end - g > bestLength) {
                bestStart = g;
                bestLength = end - g;
            }
            g = end;
        }
        StringBuilder out = new StringBuilder();
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                out.append("::");
                g += bestLength - 1;
                continue;
            }
            if (!out.isEmpty() && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[g]));
        }
        return out.toString();
    }

    private static String urlEscape(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            if (b >= 0 && UNRESERVED.indexOf(b) >= 0) {
                out.append((char) b);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    /** RFC 7208 7.3: an expanded domain over 253 characters loses labels from the left until it fits. */
    static String truncate(String domain) {
        String result = domain;
        while (result.length() > 253) {
            int dot = result.indexOf('.');
            if (dot < 0) {
                break;
            }
            result = result.substring(dot + 1);
        }
        return result;
    }
}
