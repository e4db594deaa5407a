package sluice.transit;

import java.security.cert.CertificateException;

/**
 * A certificate that a transit policy refuses, thrown by the policy's trust manager during the handshake: says which
 * check failed (the message, e.g. "dane: no TLSA record matches the chain (3 1 1 …)") and its RFC 8460 result type.
 */
public final class PolicyCheckException extends CertificateException {
    private final transient ResultType type;

    public PolicyCheckException(ResultType type, String message) {
        super(message);
        this.type = type;
    }

    public PolicyCheckException(ResultType type, String message, Throwable cause) {
        super(message, cause);
        this.type = type;
    }

    public ResultType type() {
        return type;
    }
}
