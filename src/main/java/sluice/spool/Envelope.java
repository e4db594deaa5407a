package sluice.spool;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the spool keeps about a message besides its data. The spool does not interpret it.
 *
 * @param sender     reverse path, "" for the null sender
 * @param attributes free-form facts about the reception and its parameters, e.g. "envid", "ret", "body",
 *                   "smtputf8", "listener", "client_ip", "tls", "auth_user", "message_id", "helo"
 */
public record Envelope(
        String sender,
        List<Recipient> recipients,
        Instant received,
        long size,
        Map<String, String> attributes) {

    public Envelope {
        recipients = List.copyOf(recipients);
        attributes = Map.copyOf(attributes);
    }
}
