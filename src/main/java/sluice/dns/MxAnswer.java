package sluice.dns;

import java.util.List;

/** The outcome of an MX lookup: where mail for a domain goes, or why it cannot go there now. */
public sealed interface MxAnswer {

    /** Mail exchangers sorted by preference then name; {@code implicit}: no MX records, the domain itself (RFC 5321 5.1). */
    record Hosts(List<MxHost> hosts, boolean implicit) implements MxAnswer {
        public Hosts {
            hosts = List.copyOf(hosts);
        }
    }

    /** The domain publishes a null MX (RFC 7505): it accepts no mail. */
    record NullMx() implements MxAnswer {}

    /** Permanent: NXDOMAIN, or neither MX nor address records. */
    record NoSuchDomain(String detail) implements MxAnswer {}

    /** Transient: SERVFAIL, timeout, network error; ask again later. */
    record TempFail(String detail) implements MxAnswer {}
}
