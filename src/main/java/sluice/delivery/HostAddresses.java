package sluice.delivery;

import java.net.InetAddress;
import java.util.List;
import sluice.config.IpLiterals;
import sluice.dns.AddressAnswer;
import sluice.dns.Resolver;

/** A host's addresses for connecting: an address literal as it is, a name through Sluice's resolver. */
final class HostAddresses {
    private HostAddresses() {}

    /** The addresses of {@code host}; none (with the reason added to {@code failures}) when it has none now. */
    static List<InetAddress> of(Resolver resolver, String host, AttemptFailures failures) {
        InetAddress literal = literal(host);
        if (literal != null) return List.of(literal);
        return switch (resolver.addresses(host)) {
            case AddressAnswer.Addresses a -> a.list();
            case AddressAnswer.NoSuchDomain n -> {
                failures.add(host, "host not found");
                yield List.of();
            }
            case AddressAnswer.NoAddresses n -> {
                failures.add(host, "no A or AAAA record");
                yield List.of();
            }
            case AddressAnswer.TempFail t -> {
                failures.add(host, "address lookup failed: " + t.detail());
                yield List.of();
            }
        };
    }

    /** "[192.0.2.1]", "[IPv6:::1]" or a bare IP (smarthost hosts) as an address, else null. */
    static InetAddress literal(String host) {
        String h = host;
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        if (h.regionMatches(true, 0, "IPv6:", 0, 5)) h = h.substring(5);
        return IpLiterals.parse(h) == null ? null : IpLiterals.toAddress(h);
    }
}
