package sluice.spool;

/**
 * What the sender asked of transport security for this message (RFC 8689). The two requests exclude each other: a
 * message sent with REQUIRETLS ignores a {@code TLS-Required: No} header field (RFC 8689 4.2.2), so one value says it.
 */
public enum TlsRequest {
    /** Nothing asked: the configured TLS level, DANE and MTA-STS decide. */
    DEFAULT,
    /** REQUIRETLS: only verified TLS to hosts that advertise REQUIRETLS, else a bounce (RFC 8689 4.2.1). */
    REQUIRED,
    /** {@code TLS-Required: No}: DANE and MTA-STS failures do not stop delivery (RFC 8689 4.2.2). */
    OPTIONAL;

    /** The one rule: REQUIRETLS wins over the header field. */
    public static TlsRequest of(boolean requireTlsParameter, boolean headerSaysNo) {
        if (requireTlsParameter) return REQUIRED;
        return headerSaysNo ? OPTIONAL : DEFAULT;
    }
}
