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
 * @param pool       the egress pool the message itself asked for (X-Sluice-Pool, the send API's member), or null
 * @param tlsRequest what the sender asked of transport security (REQUIRETLS, TLS-Required: No), never null
 */
public record Envelope(
        String sender,
        List<Recipient> recipients,
        Instant received,
        long size,
        Map<String, String> attributes,
        String pool,
        TlsRequest tlsRequest) {

    public Envelope {
        recipients = List.copyOf(recipients);
        attributes = Map.copyOf(attributes);
        if (tlsRequest == null) tlsRequest = TlsRequest.DEFAULT;
    }

    /** A message that asks nothing of transport security (until {@link #withTlsRequest}). */
    public Envelope(String sender, List<Recipient> recipients, Instant received, long size,
                    Map<String, String> attributes, String pool) {
        this(sender, recipients, received, size, attributes, pool, TlsRequest.DEFAULT);
    }

    /** A message that names no pool of its own. */
    public Envelope(String sender, List<Recipient> recipients, Instant received, long size,
                    Map<String, String> attributes) {
        this(sender, recipients, received, size, attributes, null);
    }

    public Envelope withPool(String p) {
        return new Envelope(sender, recipients, received, size, attributes, p, tlsRequest);
    }

    public Envelope withTlsRequest(TlsRequest t) {
        return new Envelope(sender, recipients, received, size, attributes, pool, t);
    }

    /** Sent with REQUIRETLS (RFC 8689): verified TLS to a REQUIRETLS host on every hop, or a bounce. */
    public boolean requireTls() {
        return tlsRequest == TlsRequest.REQUIRED;
    }

    /** {@code TLS-Required: No} without REQUIRETLS: DANE and MTA-STS failures fall back (RFC 8689 4.2.2). */
    public boolean tlsOptional() {
        return tlsRequest == TlsRequest.OPTIONAL;
    }
}
