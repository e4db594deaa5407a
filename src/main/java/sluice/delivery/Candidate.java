package sluice.delivery;

import java.net.InetSocketAddress;

/**
 * One place to try: a host name (for logs, SNI), an address and port, and how to talk to it; {@code rule} is what
 * transit security demands of an MX host (null for smarthosts).
 */
record Candidate(String host, InetSocketAddress address, ClientSettings settings, boolean opportunistic,
                 int smarthost, int portIndex, HostTls.Connect rule) {
    /** A connection from one source is never reused for a message assigned to another. */
    String poolKey(String destination, EgressSource source) {
        return destination + "|" + address.getAddress().getHostAddress() + "|" + address.getPort() + "|"
                + (source == null ? "" : source.name())
                // a session is reused only under the policy it was verified for (REQUIRETLS needs a verified one)
                // (and for the host name it was verified for: two MX names may share an address)
                + (rule == null ? "" : "|" + rule.policy() + (rule.verified() ? "+verified:" + host : ""));
    }

    Candidate from(EgressSource source) {
        return source == null ? this
                : new Candidate(host, address, settings.from(source), opportunistic, smarthost, portIndex, rule);
    }

    String where() {
        return host + "[" + address.getAddress().getHostAddress() + "]:" + address.getPort();
    }
}
