package sluice.config;

import java.util.List;

/**
 * One listening socket.
 *
 * @param address       a literal IP address, or null for every address (IPv6 and IPv4)
 * @param requireTls    refuse MAIL until TLS is active (default: on for submission modes, off for mx)
 * @param proxyProtocol expect a HAProxy PROXY v1/v2 header first (default off)
 * @param proxyFrom     the load balancers: the only peers whose PROXY header is read (required when proxyProtocol)
 * @param allow         if non-empty, only these client networks may connect
 * @param deny          these client networks are refused with a 554 5.7.1 banner
 * @param highPortFallback embedded default only: if a port below 1024 cannot be bound, use port + 10000
 */
public record ListenerConfig(
        String address,
        int port,
        ListenerMode mode,
        boolean requireTls,
        boolean proxyProtocol,
        List<Cidr> proxyFrom,
        List<Cidr> allow,
        List<Cidr> deny,
        boolean highPortFallback) {

    public ListenerConfig {
        proxyFrom = List.copyOf(proxyFrom);
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    /** A listener with no load balancers named: with proxyProtocol on, it reads no PROXY header from anyone. */
    public ListenerConfig(String address, int port, ListenerMode mode, boolean requireTls, boolean proxyProtocol,
            List<Cidr> allow, List<Cidr> deny, boolean highPortFallback) {
        this(address, port, mode, requireTls, proxyProtocol, List.of(), allow, deny, highPortFallback);
    }

    /** Whether {@code peer}, the socket's own remote address, may send this listener a PROXY header. */
    public boolean proxyAllowedFrom(java.net.InetAddress peer) {
        for (Cidr c : proxyFrom) if (c.contains(peer)) return true;
        return false;
    }

    /** Whether the TLS handshake starts with the first byte (mode submissions). */
    public boolean implicitTls() {
        return mode == ListenerMode.SUBMISSIONS;
    }
}
