package sluice.transit;

import java.util.List;
import java.util.Locale;

/**
 * A domain's MTA-STS policy (RFC 8461 3.2) as fetched.
 *
 * @param id         the {@code _mta-sts} TXT id it was fetched under
 * @param mxPatterns "mx.example.com" or "*.example.com" (a wildcard covers the left-most label only)
 * @param text       the policy file as served, for TLS reports' policy-string
 */
public record StsPolicy(String domain, String id, Mode mode, List<String> mxPatterns, long maxAgeSeconds, String text) {
    public enum Mode { ENFORCE, TESTING, NONE }

    public StsPolicy {
        mxPatterns = List.copyOf(mxPatterns);
    }

    /** Does an MX host name match one of the policy's patterns? */
    public boolean permits(String mxHost) {
        String host = mxHost.toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) host = host.substring(0, host.length() - 1);
        for (String p : mxPatterns) {
            String pattern = p.toLowerCase(Locale.ROOT);
            if (pattern.startsWith("*.")) {
                String suffix = pattern.substring(1);
                if (host.endsWith(suffix) && host.length() > suffix.length()
                        && host.indexOf('.') == host.length() - suffix.length()) return true;
            } else if (pattern.equals(host)) {
                return true;
            }
        }
        return false;
    }

    /** The policy's lines, for a TLS report's {@code policy-string}. */
    public List<String> policyStrings() {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }
}
