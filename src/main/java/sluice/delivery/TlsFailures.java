package sluice.delivery;

import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import sluice.observe.FailureText;
import sluice.transit.PolicyCheckException;
import sluice.transit.ResultType;

/**
 * Says which check a failed TLS session broke, in words for the log and as an RFC 8460 result type for reports:
 * a transit policy's own refusal (DANE, MTA-STS), an expired, untrusted or misnamed certificate, or no STARTTLS.
 */
final class TlsFailures {
    private TlsFailures() {}

    static ResultType type(ClientFailure f) {
        if (f.kind() == ClientFailure.Kind.TLS_UNAVAILABLE) return ResultType.STARTTLS_NOT_SUPPORTED;
        for (Throwable t = f; t != null; t = t.getCause()) {
            if (t instanceof PolicyCheckException p) return p.type();
            if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException) {
                return ResultType.CERTIFICATE_EXPIRED;
            }
            if (t instanceof CertPathValidatorException v && v.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                return ResultType.CERTIFICATE_EXPIRED;
            }
            String m = t.getMessage();
            if (m != null && (m.contains("No subject alternative") || m.contains("No name matching"))) {
                return ResultType.CERTIFICATE_HOST_MISMATCH;
            }
            if (m != null && (m.contains("unable to find valid certification path") || m.contains("PKIX path"))) {
                return ResultType.CERTIFICATE_NOT_TRUSTED;
            }
        }
        return ResultType.VALIDATION_FAILURE;
    }

    /** "certificate-expired: …", or the policy's own words ("dane: no TLSA record matches …"). */
    static String detail(ClientFailure f) {
        if (f.kind() == ClientFailure.Kind.TLS_UNAVAILABLE) return "STARTTLS not offered";
        for (Throwable t = f; t != null; t = t.getCause()) {
            if (t instanceof PolicyCheckException p) return p.getMessage();
        }
        ResultType type = type(f);
        if (type == ResultType.VALIDATION_FAILURE) return "TLS failed: " + FailureText.of(f.getCause() == null ? f : f.getCause());
        return type.text() + ": " + FailureText.of(f.getCause() == null ? f : f.getCause());
    }
}
