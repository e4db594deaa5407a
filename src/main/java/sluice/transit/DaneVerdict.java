package sluice.transit;

import javax.net.ssl.SSLContext;

/** What DANE (RFC 7672) asks of the TLS session with one MX host. */
public sealed interface DaneVerdict {
    /** No DANE for this host (insecure MX or address records, no TLSA, DANE off): the next policy decides. */
    record NotApplicable(String why) implements DaneVerdict {}

    /**
     * Usable TLSA records: TLS is required and {@code context}'s trust manager accepts only a chain the records match
     * (DANE-EE: the leaf's key or certificate, names and dates not checked; DANE-TA: a chain to the matched trust
     * anchor whose leaf names the MX host), throwing {@link PolicyCheckException} otherwise.
     *
     * @param summary the records for logs, e.g. "3 1 1 a1b2…, 2 0 1 c3d4…"
     */
    record Authenticate(SSLContext context, String summary) implements DaneVerdict {}

    /** TLSA records exist but none is usable (e.g. only PKIX usages 0/1): TLS is required, unauthenticated. */
    record EncryptOnly(String why) implements DaneVerdict {}

    /** This MX host must not be used now (bogus or failed TLSA lookup): the delivery defers, never plaintext. */
    record Unusable(ResultType type, String detail) implements DaneVerdict {}
}
