package sluice.dns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * One question to a DNS blocklist zone about one address (RFC 5782): the reversed address (IPv6 as 32 nibbles)
 * under the zone, asked for A records and, for a listing, TXT for the list's reason. Shared by the inbound check of
 * clients ({@code policy/Dnsbl}) and the check of Sluice's own egress addresses ({@code shaping/SourceListings}),
 * so that both read the answer codes the same way.
 */
public final class DnsblQuery {
    private DnsblQuery() {}

    /** Asks {@code zone} whether it lists {@code ip}. */
    public static DnsblAnswer ask(Resolver resolver, InetAddress ip, String zone) {
        return switch (resolver.ipv4(ReverseNames.dnsbl(ip, zone))) {
            case AddressAnswer.Addresses a -> read(a.list());
            case AddressAnswer.NoAddresses none -> new DnsblAnswer.NotListed();
            case AddressAnswer.NoSuchDomain nx -> new DnsblAnswer.NotListed();
            case AddressAnswer.TempFail f -> new DnsblAnswer.Failed(f.detail());
        };
    }

    /** The TXT reason the zone gives for listing {@code ip} (records joined by "; "), or null when it gives none. */
    public static String reason(Resolver resolver, InetAddress ip, String zone) {
        if (resolver.txt(ReverseNames.dnsbl(ip, zone)) instanceof TxtAnswer.Records r && !r.strings().isEmpty()) {
            return String.join("; ", r.strings());
        }
        return null;
    }

    /** Listing codes win over refusal codes; anything outside 127.0.0.0/8 (a hijacking resolver) is neither. */
    static DnsblAnswer read(List<InetAddress> addresses) {
        List<String> listing = new ArrayList<>();
        List<String> refusal = new ArrayList<>();
        for (InetAddress x : addresses) {
            if (isRefusalCode(x)) refusal.add(x.getHostAddress());
            else if (isListingCode(x)) listing.add(x.getHostAddress());
        }
        if (!listing.isEmpty()) return new DnsblAnswer.Listed(listing);
        if (!refusal.isEmpty()) return new DnsblAnswer.Refused(refusal);
        return new DnsblAnswer.NotListed();
    }

    /** An A record in 127.0.0.0/8 other than 127.0.0.1 and the list's error codes. */
    static boolean isListingCode(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != 4 || (b[0] & 0xff) != 127 || isRefusalCode(a)) return false;
        return !((b[1] | b[2]) == 0 && b[3] == 1); // 127.0.0.1 is never a listing
    }

    /** 127.255.255.0/24: the list's own error codes (Spamhaus: public resolver, over the free-use limit, typo). */
    static boolean isRefusalCode(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == 4 && (b[0] & 0xff) == 127 && (b[1] & 0xff) == 255 && (b[2] & 0xff) == 255;
    }
}
