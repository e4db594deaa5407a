package sluice.config;

/**
 * "ip", "ip:port", "[v6]" or "[v6]:port", with a literal IP only: a name here would make start-up
 * depend on DNS. {@code port} is -1 when absent.
 */
public record HostPort(String host, int port) {

    /**
     * @param portRequired whether "ip" alone is an error
     * @throws IllegalArgumentException with a message fit for the user
     */
    public static HostPort parse(String text, boolean portRequired) {
        String host;
        String port = null;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) throw bad(text, "missing ']'");
            host = text.substring(1, close);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) throw bad(text, "expected ':' after ']'");
                port = rest.substring(1);
            }
        } else if (text.indexOf(':') != text.lastIndexOf(':')) {
            host = text; // a bare IPv6 address: no port possible
        } else {
            int colon = text.indexOf(':');
            host = colon < 0 ? text : text.substring(0, colon);
            port = colon < 0 ? null : text.substring(colon + 1);
        }
        if (IpLiterals.parse(host) == null) {
            throw bad(text, "the host must be a literal IP address, not a name");
        }
        if (port == null) {
            if (portRequired) throw bad(text, "a port is required, e.g. \"127.0.0.1:8025\" or \"[::1]:8025\"");
            return new HostPort(host, -1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw bad(text, "the port must be a number");
        }
        if (p < 1 || p > 65535) throw bad(text, "the port must be between 1 and 65535");
        return new HostPort(host, p);
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException(why + " (got \"" + text + "\")");
    }
}
