package sluice.delivery;

import java.util.List;
import javax.net.ssl.SSLContext;
import sluice.transit.ResultType;

/**
 * What transit security demands of the session with one MX host, decided before connecting (RFC 7672 DANE over RFC
 * 8461 MTA-STS over the configured level; REQUIRETLS and {@code TLS-Required: No} on top). A pure value: the
 * transport applies it.
 */
sealed interface HostTls {
    /** The delivery log's {@code tls_policy}: "dane", "mta-sts", "required", "opportunistic" or "none". */
    String policy();

    /** How the attempt is counted in TLS reports: "tlsa", "sts" or "no-policy-found", and the policy's text. */
    Reported reported();

    /** RFC 8460's policy-type and policy-string of an attempt. */
    record Reported(String type, List<String> strings) {
        static final Reported NO_POLICY = new Reported("no-policy-found", List.of());

        public Reported {
            strings = List.copyOf(strings);
        }
    }

    /**
     * Connect with these settings.
     *
     * @param tls            STARTTLS use: REQUIRED under a policy (never plaintext), OPPORTUNISTIC otherwise
     * @param context        the trust: DANE's TLSA matcher, Web PKI, or none
     * @param verifyName     the certificate must name the MX host (MTA-STS, PKIX for REQUIRETLS)
     * @param verified       the session's peer is authenticated (DANE-EE/TA or PKIX): what REQUIRETLS needs
     * @param testing        MTA-STS testing: try verified first; a failure is reported, then delivery goes on
     *                       unauthenticated (then plaintext) as the configured level allows
     */
    record Connect(String policy, Reported reported, TlsMode tls, SSLContext context, boolean verifyName,
                   boolean verified, boolean testing) implements HostTls {}

    /** This host must not be used now: the delivery to it defers (never plaintext), and the failure is reported. */
    record Refuse(String policy, Reported reported, ResultType type, String why, boolean requireTls) implements HostTls {}
}
