package sluice.dns;

import java.util.List;

/** The outcome of a reverse (PTR) lookup of an address. */
public sealed interface PtrAnswer {

    /** The host names of the PTR records, lower case without trailing dot, in the order the server gave them. */
    record Names(List<String> hosts) implements PtrAnswer {
        public Names {
            hosts = List.copyOf(hosts);
        }
    }

    /** Permanent: the reverse name does not exist (NXDOMAIN). */
    record NoSuchDomain(String detail) implements PtrAnswer {}

    /** The reverse name exists but has no PTR records. */
    record NoRecords() implements PtrAnswer {}

    /** Transient: SERVFAIL, timeout, network error. */
    record TempFail(String detail) implements PtrAnswer {}
}
