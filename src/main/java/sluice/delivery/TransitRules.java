package sluice.delivery;

import java.util.List;
import javax.net.ssl.SSLContext;
import sluice.transit.DaneVerdict;
import sluice.transit.ResultType;
import sluice.transit.StsPolicy;
import sluice.transit.StsVerdict;

/**
 * Chooses the {@link HostTls} for one MX host. Precedence (issue 13, RFC 7672 2.2 and RFC 8461 2): usable DANE, then
 * an MTA-STS policy in force, then the configured level. A message with REQUIRETLS (RFC 8689 4.2.1) goes only to a
 * host verified by DANE, by an MTA-STS policy (testing counts as enforce), or by Web PKI for the MX name when the MX
 * answer was DNSSEC-validated; {@code TLS-Required: No} (RFC 8689 5) sets DANE and MTA-STS aside.
 */
final class TransitRules {
    private TransitRules() {}

    /** What the message asks of transit security. */
    record Asked(boolean requireTls, boolean tlsOptional) {
        static final Asked NOTHING = new Asked(false, false);
    }

    /**
     * @param configuredRequired the configured level ([delivery] tls, tls_policy, or the shaping group's) is "required"
     * @param mxSecure           the domain's MX answer validated with DNSSEC
     */
    static HostTls decide(String host, boolean configuredRequired, DaneVerdict dane, StsVerdict sts, boolean mxSecure,
                          Asked asked, SSLContext pkix, SSLContext unauthenticated) {
        if (asked.tlsOptional() && !asked.requireTls()) {
            return new HostTls.Connect("none", HostTls.Reported.NO_POLICY,
                    configuredRequired ? TlsMode.REQUIRED : TlsMode.OPPORTUNISTIC, unauthenticated, false, false, false);
        }
        switch (dane) {
            case DaneVerdict.Authenticate a -> {
                return new HostTls.Connect("dane", new HostTls.Reported("tlsa", List.of(a.summary().split(", "))),
                        TlsMode.REQUIRED, a.context(), false, true, false);
            }
            case DaneVerdict.Unusable u -> {
                return new HostTls.Refuse("dane", new HostTls.Reported("tlsa", List.of()), u.type(),
                        "dane: " + u.detail(), false);
            }
            case DaneVerdict.EncryptOnly e -> {
                if (!asked.requireTls()) {
                    return new HostTls.Connect("dane", new HostTls.Reported("tlsa", List.of()), TlsMode.REQUIRED,
                            unauthenticated, false, false, false);
                }
                // REQUIRETLS needs an authenticated peer: Web PKI for the MX name may still give one below
            }
            case DaneVerdict.NotApplicable n -> {
                // the next policy decides
            }
        }
        if (sts instanceof StsVerdict.InForce(StsPolicy p) && p.mode() != StsPolicy.Mode.NONE) {
            HostTls.Reported reported = new HostTls.Reported("sts", p.policyStrings());
            boolean enforce = p.mode() == StsPolicy.Mode.ENFORCE || asked.requireTls();
            if (!p.permits(host)) {
                if (enforce) {
                    return new HostTls.Refuse("mta-sts", reported, ResultType.VALIDATION_FAILURE, "mta-sts: MX host "
                            + host + " is not in the policy of " + p.domain() + " (mx: " + String.join(", ", p.mxPatterns())
                            + ")", asked.requireTls());
                }
                return configured(configuredRequired, unauthenticated, "mta-sts", reported);
            }
            return new HostTls.Connect("mta-sts", reported, enforce ? TlsMode.REQUIRED : TlsMode.OPPORTUNISTIC, pkix, true,
                    true, !enforce);
        }
        if (asked.requireTls()) {
            if (mxSecure) {
                return new HostTls.Connect(configuredRequired ? "required" : "opportunistic", HostTls.Reported.NO_POLICY,
                        TlsMode.REQUIRED, pkix, true, true, false);
            }
            return new HostTls.Refuse(configuredRequired ? "required" : "opportunistic", HostTls.Reported.NO_POLICY,
                    null, "REQUIRETLS: no DANE, no MTA-STS policy and no DNSSEC-validated MX to verify " + host + " with",
                    true);
        }
        return configured(configuredRequired, unauthenticated,
                configuredRequired ? "required" : "opportunistic", HostTls.Reported.NO_POLICY);
    }

    private static HostTls configured(boolean required, SSLContext unauthenticated, String policy,
                                      HostTls.Reported reported) {
        return new HostTls.Connect(policy, reported, required ? TlsMode.REQUIRED : TlsMode.OPPORTUNISTIC,
                unauthenticated, false, false, false);
    }
}
