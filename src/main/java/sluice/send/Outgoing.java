package sluice.send;

import java.util.List;
import sluice.smtp.Mailbox;

/**
 * A message made ready from a request, before the trace header, signing and the queue.
 *
 * @param sender      the envelope sender
 * @param recipients  envelope recipients (To, Cc and Bcc, each once)
 * @param authors     the addresses of the From field
 * @param data        the message, CRLF line endings, Bcc removed, Message-ID and Date present
 */
record Outgoing(Mailbox sender, List<Mailbox> recipients, List<Mailbox> authors, byte[] data, String messageId) {
    Outgoing {
        recipients = List.copyOf(recipients);
        authors = List.copyOf(authors);
    }
}
