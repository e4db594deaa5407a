package sluice.mailauth;

import java.net.InetAddress;
import java.util.List;

/**
 * The DNS questions SPF and DMARC ask, each answer reduced to what RFC 7208 and RFC 7489 distinguish: records, an
 * empty answer (NXDOMAIN or NODATA: a "void lookup"), or a temporary failure. {@link ResolverLookups} answers them
 * with {@link sluice.dns.Resolver}.
 */
public interface DnsLookups {

    /** The TXT records at {@code name}, each record's strings joined. */
    Answer<String> txt(String name);

    /** The A records of {@code host} ({@code ipv6} false) or its AAAA records ({@code ipv6} true). */
    Answer<InetAddress> addresses(String host, boolean ipv6);

    /** The MX targets of {@code domain}; no implicit MX: a domain without MX records is an empty answer. */
    Answer<String> mx(String domain);

    /** The PTR names of {@code address}. */
    Answer<String> ptr(InetAddress address);

    /** One lookup's outcome. */
    sealed interface Answer<T> {

        /** At least one record (for MX, a null MX is a found answer with no hosts). */
        record Found<T>(List<T> values) implements Answer<T> {
            public Found {
                values = List.copyOf(values);
            }
        }

        /** NXDOMAIN ({@code noSuchDomain}) or NODATA. */
        record Empty<T>(boolean noSuchDomain) implements Answer<T> {}

        /** SERVFAIL, timeout, network error. */
        record TempFail<T>(String detail) implements Answer<T> {}
    }
}
