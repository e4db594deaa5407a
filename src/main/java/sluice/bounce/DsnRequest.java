package sluice.bounce;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Everything {@link Dsn#build} needs to report on one queued message.
 *
 * @param reportingMta our host name; the report comes from MAILER-DAEMON at it
 * @param queueId the queue id of the message reported on
 * @param originalSender the envelope sender, who receives the report; never empty (no reports to the null sender)
 * @param envid the ENVID parameter (RFC 3461 4.4), or null
 * @param ret "FULL", "HDRS" or null; null returns the whole message up to {@link Dsn#FULL_BY_DEFAULT_LIMIT} octets
 * @param arrivalDate when the message was accepted
 * @param recipients at least one recipient to report on
 * @param originalMessage the whole original message with CRLF line endings (not copied)
 * @param smtpUtf8 the original needed SMTPUTF8: the report uses the RFC 6533 message/global* types
 * @param requireTls the original was sent with REQUIRETLS: only its header section comes back, whatever RET says
 *                   (RFC 8689 5), and the report itself travels with REQUIRETLS
 */
public record DsnRequest(
        String reportingMta,
        String queueId,
        String originalSender,
        String envid,
        String ret,
        Instant arrivalDate,
        List<DsnRecipient> recipients,
        byte[] originalMessage,
        boolean smtpUtf8,
        boolean requireTls) {

    public DsnRequest {
        Objects.requireNonNull(reportingMta, "reportingMta");
        Objects.requireNonNull(queueId, "queueId");
        Objects.requireNonNull(originalSender, "originalSender");
        Objects.requireNonNull(arrivalDate, "arrivalDate");
        Objects.requireNonNull(originalMessage, "originalMessage");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) throw new IllegalArgumentException("a report needs at least one recipient");
        if (ret != null && !ret.equalsIgnoreCase("FULL") && !ret.equalsIgnoreCase("HDRS")) {
            throw new IllegalArgumentException("RET must be FULL or HDRS: " + ret);
        }
    }

    /** For a message sent without REQUIRETLS. */
    public DsnRequest(String reportingMta, String queueId, String originalSender, String envid, String ret,
                      Instant arrivalDate, List<DsnRecipient> recipients, byte[] originalMessage, boolean smtpUtf8) {
        this(reportingMta, queueId, originalSender, envid, ret, arrivalDate, recipients, originalMessage, smtpUtf8, false);
    }
}
