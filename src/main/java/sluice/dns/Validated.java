package sluice.dns;

import java.util.List;

/**
 * A DNSSEC-validated answer (RFC 4035 4.3): data or its absence, each secure or insecure; or bogus (validation failed,
 * with the validator's reason); or failed (SERVFAIL, REFUSED, timeout). CNAMEs are followed; a chain is secure only if
 * every link is.
 */
public sealed interface Validated<T> {

    /**
     * @param value   the records, decoded
     * @param secure  every RRset on the way (CNAMEs included) validated from the trust anchor
     * @param aliases the CNAME owners followed, in order, the first being the name asked; empty without CNAMEs
     * @param owner   the name the records are at (the CNAME chain's end, or the name asked)
     */
    record Data<T>(T value, boolean secure, List<String> aliases, String owner) implements Validated<T> {
        public Data {
            aliases = List.copyOf(aliases);
        }
    }

    /** NODATA or NXDOMAIN ({@code noSuchName}); {@code secure}: the denial itself validated. */
    record Empty<T>(boolean secure, boolean noSuchName) implements Validated<T> {}

    /** The answer failed validation: forged, expired or broken signatures, a missing proof. */
    record Bogus<T>(String why) implements Validated<T> {}

    /** No usable answer: SERVFAIL, REFUSED, timeout, network error, or DNSSEC unavailable upstream. */
    record Failed<T>(String why) implements Validated<T> {}
}
