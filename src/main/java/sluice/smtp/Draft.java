package sluice.smtp;

import java.util.List;

/**
 * A finished mail transaction, ready to be stored: trace headers to prepend, then the data as received.
 *
 * @param sender    null for the null sender
 * @param messageId the Message-ID header value (found or added), or null
 * @param originators   the From, Sender, Resent-From and Resent-Sender addresses, read once: DMARC reads them too
 * @param signingDomain the domain to DKIM-sign for, from the may-send-as verdict on the message; null: none
 */
public record Draft(
        String queueId,
        Mailbox sender,
        List<RcptEntry> recipients,
        MailParameters parameters,
        SessionFacts facts,
        byte[] headers,
        MessageBuffer body,
        String messageId,
        Originators originators,
        String signingDomain) {

    public Draft {
        recipients = List.copyOf(recipients);
    }

    /** Size of the stored message: prepended headers plus data. */
    public long size() {
        return headers.length + (long) body.length();
    }
}
