package sluice.transit;

import java.util.List;

/**
 * One delivery attempt's TLS result, for the daily reports (RFC 8460 4.4): under which policy, to which host, and the
 * failure if any.
 *
 * @param policyDomain  the recipient domain the policy is for
 * @param policyType    "sts", "tlsa" or "no-policy-found"
 * @param policyStrings the policy (MTA-STS lines, or TLSA records as text); empty for no-policy-found
 * @param mxHost        the receiving MX host name
 * @param sendingIp     our address, or null
 * @param receivingIp   the MX host's address, or null
 * @param failure       null on success
 * @param detail        words for the failure ({@code failure-reason-code}); null on success
 */
public record TlsAttempt(String policyDomain, String policyType, List<String> policyStrings, String mxHost,
                         String sendingIp, String receivingIp, ResultType failure, String detail) {
    public TlsAttempt {
        policyStrings = List.copyOf(policyStrings);
    }

    public boolean success() {
        return failure == null;
    }
}
