package sluice.dns;

import java.net.InetAddress;
import java.util.List;

/** The outcome of an A + AAAA lookup of a host. */
public sealed interface AddressAnswer {

    /** The host's addresses: IPv6 (AAAA) first, then IPv4 (A), each in the order the server gave them. */
    record Addresses(List<InetAddress> list) implements AddressAnswer {
        public Addresses {
            list = List.copyOf(list);
        }
    }

    /** Permanent: the name does not exist (NXDOMAIN). */
    record NoSuchDomain(String detail) implements AddressAnswer {}

    /** Permanent: the name exists but has neither A nor AAAA records. */
    record NoAddresses() implements AddressAnswer {}

    /** Transient: SERVFAIL, timeout, network error. */
    record TempFail(String detail) implements AddressAnswer {}
}
