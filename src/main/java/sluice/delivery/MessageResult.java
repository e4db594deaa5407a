package sluice.delivery;

import java.util.List;
import sluice.smtp.Reply;

/**
 * The outcome of one transaction, one entry per recipient in the message's order.
 *
 * @param dataReply the reply given to the accepted recipients after DATA (the final reply, a refused DATA, or a
 *                  synthetic one when the connection broke), or null when no recipient got that far
 * @param dsnPassedOn the next hop advertised DSN, so MAIL and RCPT carried RET/ENVID and NOTIFY/ORCPT: from
 *                    here on it answers for the DSNs the sender asked for (RFC 3461 5.2.1)
 */
public record MessageResult(List<RecipientResult> recipients, Reply dataReply, boolean dsnPassedOn) {
    public MessageResult {
        recipients = List.copyOf(recipients);
    }
}
