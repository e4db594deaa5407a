package sluice.smtp;

/**
 * ESMTP parameters of MAIL FROM.
 *
 * @param size  declared SIZE, or -1
 * @param body  "7BIT" or "8BITMIME", or null
 * @param ret   DSN RET ("FULL" or "HDRS"), or null
 * @param envid DSN ENVID (xtext as received), or null
 * @param requireTls REQUIRETLS (RFC 8689): the sender asks for verified TLS on every hop
 */
public record MailParameters(long size, String body, boolean smtpUtf8, String ret, String envid, boolean requireTls) {
    public static final MailParameters NONE = new MailParameters(-1, null, false, null, null, false);

    /** Without REQUIRETLS. */
    public MailParameters(long size, String body, boolean smtpUtf8, String ret, String envid) {
        this(size, body, smtpUtf8, ret, envid, false);
    }
}
