package sluice.mailauth;

/** The verdict on one DKIM-Signature field (RFC 8601 2.7.1 result names). */
public record DkimResult(String domain, String selector, String algorithm, Result result, String reason) {

    public enum Result { PASS, FAIL, NEUTRAL, TEMPERROR, PERMERROR, NONE }

    /** Authentication-Results style: {@code dkim=pass header.d=example.com header.s=s1 header.a=ed25519-sha256}. */
    @Override
    public String toString() {
        return "dkim=" + result.name().toLowerCase(java.util.Locale.ROOT)
                + (reason == null || reason.isEmpty() ? "" : " (" + reason + ")")
                + (domain == null ? "" : " header.d=" + domain)
                + (selector == null ? "" : " header.s=" + selector)
                + (algorithm == null ? "" : " header.a=" + algorithm);
    }
}
