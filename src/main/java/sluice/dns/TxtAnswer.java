package sluice.dns;

import java.util.List;

/** The outcome of a TXT lookup. */
public sealed interface TxtAnswer {

    /** One string per TXT record, its character-strings joined without separator (as SPF and DMARC read them). */
    record Records(List<String> strings) implements TxtAnswer {
        public Records {
            strings = List.copyOf(strings);
        }
    }

    /** Permanent: the name does not exist (NXDOMAIN). */
    record NoSuchDomain(String detail) implements TxtAnswer {}

    /** The name exists but has no TXT records. */
    record NoRecords() implements TxtAnswer {}

    /** Transient: SERVFAIL, timeout, network error. */
    record TempFail(String detail) implements TxtAnswer {}
}
