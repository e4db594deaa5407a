package sluice.policy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import sluice.dns.AddressAnswer;
import sluice.dns.Resolver;
import sluice.dns.ReverseNames;

/**
 * DNS blocklists for connecting clients (RFC 5782), as Postfix's {@code reject_rbl_client}: a client listed in
 * any zone is turned away at connect on {@code mx} listeners. A listing is an A record in 127.0.0.0/8 other
 * than 127.0.0.1; 127.255.255.0/24 are the lists' own error codes (Spamhaus: query through a public resolver,
 * over quota) and never a listing. A zone that does not answer lists nobody: fail open, like every MTA.
 * Answers are cached by the resolver for their TTL.
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
            if (resolver.ipv4(ReverseNames.dnsbl(client, zone)) instanceof AddressAnswer.Addresses a) {
                List<String> codes = new ArrayList<>();
                for (InetAddress x : a.list()) if (isListingCode(x)) codes.add(x.getHostAddress());
                if (!codes.isEmpty()) return Optional.of(new Listing(zone, codes));
            }
        }
        return Optional.empty();
    }

    static boolean isListingCode(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != 4 || (b[0] & 0xff) != 127) return false;
        if ((b[1] & 0xff) == 255 && (b[2] & 0xff) == 255) return false; // the list's error codes
        return !((b[1] | b[2]) == 0 && b[3] == 1);                       // 127.0.0.1 is never a listing
    }
}
