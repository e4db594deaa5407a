package sluice.config;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code [[listeners]]} and refuses two listeners that would fight over one socket. */
final class ListenerMapping {
    private ListenerMapping() {}

    /** A listener read from the file, with the key path its port was written at. */
    private record Placed(ListenerConfig listener, InetAddress address, KeyPath at) {}

    static List<ListenerConfig> read(Section top, Diagnostics diagnostics) {
        if (!top.has("listeners")) return Defaults.listeners(false); // no high-port fallback: the user chose
        List<Placed> placed = new ArrayList<>();
        for (Section s : top.tables("listeners")) {
            Placed p = listener(s);
            if (p != null) placed.add(p);
            s.finish();
        }
        for (int i = 0; i < placed.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (clash(placed.get(j), placed.get(i))) {
                    Placed a = placed.get(j);
                    Placed b = placed.get(i);
                    diagnostics.error(b.at(), "port " + b.listener().port() + " on " + where(b.listener())
                            + " is already used by " + a.at().parent() + " (" + where(a.listener()) + ")");
                    break;
                }
            }
        }
        return placed.stream().map(Placed::listener).toList();
    }

    private static Placed listener(Section s) {
        String address = s.string("address", null);
        InetAddress ip = null;
        if (address != null) {
            ip = IpLiterals.toAddress(address);
            if (ip == null) {
                s.error("address", "must be a literal IP address such as \"127.0.0.1\" or \"::1\", not a host name;"
                        + " omit it to listen on all addresses (got \"" + address + "\")");
            }
            if (address.startsWith("[") && address.endsWith("]")) address = address.substring(1, address.length() - 1);
        }
        Long port = s.requiredInteger("port", 1, 65535);
        ListenerMode mode = mode(s);
        boolean requireTls = s.bool("require_tls", mode != null && mode.isSubmission());
        boolean proxy = s.bool("proxy_protocol", false);
        List<Cidr> proxyFrom = s.list("proxy_from", List.of(), false, Section.Element::cidr);
        // Without it anyone who reaches the port could name any client (127.0.0.1 included) and relay.
        String loadBalancers = "the networks of the load balancers allowed to send a PROXY header"
                + " (e.g. proxy_from = [\"10.0.0.5/32\"])";
        if (proxy && !s.has("proxy_from")) s.error("proxy_protocol", "needs proxy_from: " + loadBalancers);
        if (proxy && s.isEmptyArray("proxy_from")) {
            s.error("proxy_from", "must not be empty when proxy_protocol = true: " + loadBalancers);
        }
        List<Cidr> allow = s.list("allow", List.of(), false, Section.Element::cidr);
        List<Cidr> deny = s.list("deny", List.of(), false, Section.Element::cidr);
        if (port == null || mode == null || address != null && ip == null) return null;
        ListenerConfig l = new ListenerConfig(address, port.intValue(), mode, requireTls, proxy, proxyFrom, allow,
                deny, false);
        return new Placed(l, ip, s.path().child("port"));
    }

    private static ListenerMode mode(Section s) {
        String text = s.requiredString("mode");
        if (text == null) return null;
        ListenerMode mode = ListenerMode.fromKey(text);
        if (mode == null) s.error("mode", "must be one of mx, submission, submissions (got \"" + text + "\")");
        return mode;
    }

    /**
     * Whether both cannot be bound at once. All addresses (absent, or "::" which is dual-stack in Java)
     * clash with everything; 0.0.0.0 with every IPv4 address; otherwise only the same address.
     */
    private static boolean clash(Placed a, Placed b) {
        if (a.listener().port() != b.listener().port()) return false;
        if (a.address() == null || b.address() == null) return true;
        if (a.address().equals(b.address())) return true;
        return wildcardOver(a.address(), b.address()) || wildcardOver(b.address(), a.address());
    }

    private static boolean wildcardOver(InetAddress wildcard, InetAddress other) {
        if (!wildcard.isAnyLocalAddress()) return false;
        return wildcard.getAddress().length == 16 || other.getAddress().length == 4;
    }

    private static String where(ListenerConfig l) {
        return l.address() == null ? "all addresses" : l.address();
    }
}
