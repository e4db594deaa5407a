package sluice.config;

import java.util.List;

/**
 * One listening socket.
 *
 * @param address       a literal IP address, or null for every address (IPv6 and IPv4)
 * @param requireTls    refuse MAIL until TLS is active (default: on for submission modes, off for mx)
 * @param proxyProtocol expect a HAProxy PROXY v1/v2 header first (default off)
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
        List<Cidr> allow,
        List<Cidr> deny,
        boolean highPortFallback) {

    public ListenerConfig {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    /** Whether the TLS handshake starts with the first byte (mode submissions). */
    public boolean implicitTls() {
        return mode == ListenerMode.SUBMISSIONS;
    }
}
