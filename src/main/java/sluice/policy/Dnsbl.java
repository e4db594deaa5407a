package sluice.policy;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import sluice.dns.DnsblAnswer;
import sluice.dns.DnsblQuery;
import sluice.dns.Resolver;

/**
 * DNS blocklists for connecting clients (RFC 5782), as Postfix's {@code reject_rbl_client}: a client listed in
 * any zone is turned away at connect on {@code mx} listeners. A listing is an A record in 127.0.0.0/8 other
 * than 127.0.0.1; 127.255.255.0/24 are the lists' own error codes (Spamhaus: query through a public resolver,
 * over quota) and never a listing. A zone that does not answer lists nobody: fail open, like every MTA.
 * Answers are cached by the resolver for their TTL; the codes are read by {@link DnsblQuery}.
 */
public final class Dnsbl {
    /** The client is listed: in which zone, with which codes. */
    public record Listing(String zone, List<String> codes) {}

    private final List<String> zones;
    private final Resolver resolver;

    public Dnsbl(List<String> zones, Resolver resolver) {
        this.zones = List.copyOf(zones);
        this.resolver = resolver;
    }

    /** The first zone that lists {@code client}, asked in configuration order. */
    public Optional<Listing> check(InetAddress client) {
        for (String zone : zones) {
            if (DnsblQuery.ask(resolver, client, zone) instanceof DnsblAnswer.Listed listed) {
                return Optional.of(new Listing(zone, listed.codes()));
            }
        }
        return Optional.empty();
    }
}
