package sluice.send;

import java.util.List;
import sluice.smtp.Mailbox;
import sluice.smtp.Originators;

/**
 * A message made ready from a request, before the trace header, signing and the queue.
 *
 * @param sender      the envelope sender
 * @param recipients  envelope recipients (To, Cc and Bcc, each once)
 * @param originators the From, Sender, Resent-From and Resent-Sender addresses of {@code data}, read once: the
 *                    may-send-as check and the DKIM signer both take them from here
 * @param data        the message, CRLF line endings, Bcc removed, Message-ID and Date present
 * @param pool        the JSON request's "pool" member, or null (an X-Sluice-Pool header is read from data)
 * @param requireTls  the request asked for REQUIRETLS ("require_tls": true, or ?require_tls=true with a raw message)
 */
record Outgoing(Mailbox sender, List<Mailbox> recipients, Originators originators, byte[] data, String messageId,
                String pool, boolean requireTls) {
    Outgoing {
        recipients = List.copyOf(recipients);
    }

    Outgoing(Mailbox sender, List<Mailbox> recipients, Originators originators, byte[] data, String messageId) {
        this(sender, recipients, originators, data, messageId, null, false);
    }

    Outgoing withRequireTls(boolean r) {
        return new Outgoing(sender, recipients, originators, data, messageId, pool, r);
    }
}
