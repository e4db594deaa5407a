package sluice.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Parses IP address literals without ever consulting DNS (InetAddress.getByName would, for a name). */
public final class IpLiterals {
    private IpLiterals() {}

    /** The address bytes (4 or 16), or null if the text is not an IPv4 or IPv6 literal. */
    public static byte[] parse(String text) {
        if (text == null || text.isEmpty()) return null;
        String s = text;
        if (s.startsWith("[") && s.endsWith("]")) s = s.substring(1, s.length() - 1);
        if (s.indexOf(':') >= 0) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                boolean ok = c == ':' || c == '.' || Character.digit(c, 16) >= 0;
                if (!ok) return null;
            }
            try {
                return InetAddress.getByName(s).getAddress(); // a literal: no lookup
            } catch (UnknownHostException e) {
                return null;
            }
        }
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) return null;
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            // A leading zero is octal to inet_aton() but decimal to us: refuse the ambiguity.
            if (p.isEmpty() || p.length() > 3 || p.length() > 1 && p.charAt(0) == '0') return null;
            for (int j = 0; j < p.length(); j++) if (p.charAt(j) < '0' || p.charAt(j) > '9') return null;
            int v = Integer.parseInt(p);
            if (v > 255) return null;
            out[i] = (byte) v;
        }
        return out;
    }

    /** The InetAddress for a literal, or null. Never a DNS lookup. */
    public static InetAddress toAddress(String text) {
        byte[] b = parse(text);
        if (b == null) return null;
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
