package sluice.delivery;

import java.time.Instant;
import java.util.List;

/**
 * What {@link PortProbe} found on one port.
 *
 * @param status         how the TCP connect went
 * @param error          why the port could not be used at all (connect error, no greeting, not SMTP), or null
 * @param banner         the greeting's first line with its code ("220 mx.example ESMTP"), or null
 * @param connectMs      TCP connect time, or -1
 * @param bannerMs       from connected (and TLS done, for implicit TLS) to the greeting, or -1
 * @param tls            the TLS attempt (STARTTLS or implicit), or null when none was possible
 * @param extensions     EHLO keywords with parameters, as first offered (before STARTTLS)
 * @param extensionsAfterTls EHLO keywords after STARTTLS (the same list for implicit TLS)
 * @param authBeforeTls  SASL mechanisms offered in plaintext
 * @param authAfterTls   SASL mechanisms offered over TLS
 * @param problems       findings an operator should fix, in plain words
 */
public record PortReport(int port, Status status, String error, String banner, long connectMs, long bannerMs,
        Tls tls, List<String> extensions, List<String> extensionsAfterTls, List<String> authBeforeTls,
        List<String> authAfterTls, List<String> problems) {

    public enum Status {
        REACHABLE, REFUSED, FILTERED, UNREACHABLE;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * A TLS handshake's outcome; on failure only {@code mode}, {@code error} and {@code handshakeMs} are set.
     *
     * @param mode          "starttls" or "implicit"
     * @param daysLeft      whole days until notAfter, negative once expired
     * @param hostnameMatch the certificate names the probed host (SAN dNSName with one-label wildcards, SAN
     *                      iPAddress, or the CN when there is no dNSName)
     * @param trusted       the chain verifies against the trust store (the JDK's by default)
     * @param trustError    why it does not, or null
     */
    public record Tls(String mode, String version, String cipher, String subject, String issuer, Instant notAfter,
            long daysLeft, boolean hostnameMatch, boolean trusted, String trustError, long handshakeMs, String error) {

        public boolean ok() {
            return error == null;
        }

        static Tls failed(String mode, long handshakeMs, String error) {
            return new Tls(mode, null, null, null, null, null, 0, false, false, null, handshakeMs, error);
        }
    }

    public PortReport {
        extensions = List.copyOf(extensions);
        extensionsAfterTls = List.copyOf(extensionsAfterTls);
        authBeforeTls = List.copyOf(authBeforeTls);
        authAfterTls = List.copyOf(authAfterTls);
        problems = List.copyOf(problems);
    }

    /** A client can submit here: reachable, TLS works, and AUTH is offered over TLS. */
    public boolean usableForSubmission() {
        return status == Status.REACHABLE && error == null && tls != null && tls.ok() && !authAfterTls.isEmpty();
    }
}
