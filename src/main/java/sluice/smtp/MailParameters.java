package sluice.smtp;

/**
 * ESMTP parameters of MAIL FROM.
 *
 * @param size  declared SIZE, or -1
 * @param body  "7BIT" or "8BITMIME", or null
 * @param ret   DSN RET ("FULL" or "HDRS"), or null
 * @param envid DSN ENVID (xtext as received), or null
 */
public record MailParameters(long size, String body, boolean smtpUtf8, String ret, String envid) {
    public static final MailParameters NONE = new MailParameters(-1, null, false, null, null);
}
