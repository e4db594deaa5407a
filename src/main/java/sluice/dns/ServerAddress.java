package sluice.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.xbill.DNS.Address;

/** Parses a configured name server, "ip", "ip:port", "v6" or "[v6]:port"; IP literals only, never a DNS lookup. */
final class ServerAddress {
    static final int DNS_PORT = 53;

    private ServerAddress() {}

    /** The socket address of {@code server}; IllegalArgumentException for a host name or a malformed port. */
    static InetSocketAddress parse(String server) {
        String text = server.strip();
        String host = text;
        int port = DNS_PORT;
        int family = Address.IPv4;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw invalid(server, "missing ']'");
            }
            host = text.substring(1, close);
            family = Address.IPv6;
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw invalid(server, "expected ':port' after ']'");
                }
                port = port(server, rest.substring(1));
            }
        } else if (text.indexOf(':') != text.lastIndexOf(':')) {
            family = Address.IPv6; // a bare IPv6 literal; a port needs the brackets
        } else if (text.indexOf(':') >= 0) {
            host = text.substring(0, text.indexOf(':'));
            port = port(server, text.substring(text.indexOf(':') + 1));
        }
        byte[] bytes = Address.toByteArray(host, family);
        if (bytes == null) {
            throw invalid(server, "not an IP address literal (host names are not accepted: resolving them would need DNS)");
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
        } catch (UnknownHostException e) {
            throw invalid(server, e.getMessage());
        }
    }

    private static int port(String server, String digits) {
        try {
            int port = Integer.parseInt(digits);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(server, "port must be a number from 1 to 65535");
    }

    private static IllegalArgumentException invalid(String server, String why) {
        return new IllegalArgumentException("DNS server '" + server + "': " + why);
    }
}
