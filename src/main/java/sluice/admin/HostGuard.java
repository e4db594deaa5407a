package sluice.admin;

import java.net.InetAddress;
import java.util.Locale;
import sluice.config.HostPort;
import sluice.config.IpLiterals;

/**
 * Refuses requests whose Host header names something other than this admin address. A page on evil.example whose
 * name is re-pointed at 127.0.0.1 (DNS rebinding) reaches the admin port with {@code Host: evil.example} and would
 * otherwise read /metrics and the dashboard as same-origin. Accepted: the configured address, {@code localhost},
 * and the loopback addresses, each with any port (a tunnel may change it), and any IP literal when the admin
 * address is a wildcard (an address cannot be rebound to another). A request without Host (HTTP/1.0) is not a
 * browser's and passes.
 */
final class HostGuard {
    private final InetAddress configured;
    private final String address;

    HostGuard(HostPort admin) {
        this.configured = IpLiterals.toAddress(admin.host());
        this.address = admin.host().contains(":") ? "[" + admin.host() + "]:" + admin.port() : admin.host() + ":" + admin.port();
    }

    /** Null when {@code hostHeader} may be served, else the reason for the 421 answer. */
    String refusal(String hostHeader) {
        if (hostHeader == null || hostHeader.isEmpty()) return null;
        String host = hostOf(hostHeader);
        if (host != null) {
            String h = host.toLowerCase(Locale.ROOT);
            if (h.equals("localhost") || h.equals("localhost.")) return null;
            InetAddress literal = IpLiterals.toAddress(host);
            if (literal != null && (literal.isLoopbackAddress() || literal.equals(configured)
                    || configured != null && configured.isAnyLocalAddress())) {
                return null;
            }
        }
        return "this admin port answers only to its own address (" + address + "), localhost, 127.0.0.1 or [::1];"
                + " the Host header named \"" + printable(hostHeader) + "\"";
    }

    /** The host part of "host", "host:port", "[v6]" or "[v6]:port"; null when malformed. */
    private static String hostOf(String header) {
        String host;
        String port;
        if (header.startsWith("[")) {
            int close = header.indexOf(']');
            if (close < 0) return null;
            host = header.substring(1, close);
            port = header.substring(close + 1);
            if (!port.isEmpty() && !port.startsWith(":")) return null;
            port = port.isEmpty() ? "" : port.substring(1);
            if (IpLiterals.toAddress(host) == null) return null;
        } else {
            int colon = header.indexOf(':');
            host = colon < 0 ? header : header.substring(0, colon);
            port = colon < 0 ? "" : header.substring(colon + 1);
        }
        if (!port.chars().allMatch(c -> c >= '0' && c <= '9') || port.length() > 5) return null;
        return host;
    }

    private static String printable(String s) {
        String t = s.length() > 100 ? s.substring(0, 100) + "…" : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
