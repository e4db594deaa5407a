package sluice.smtp;

/**
 * ESMTP parameters of RCPT TO (RFC 3461).
 *
 * @param notifyOn "NEVER" or a comma list of SUCCESS, FAILURE, DELAY; or null
 * @param orcpt  "addr-type;xtext" as received, or null
 */
public record RcptParameters(String notifyOn, String orcpt) {
    public static final RcptParameters NONE = new RcptParameters(null, null);
}
