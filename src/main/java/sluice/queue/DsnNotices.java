package sluice.queue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.bounce.Dsn;
import sluice.bounce.DsnRecipient;
import sluice.bounce.DsnRequest;
import sluice.delivery.Outcome;
import sluice.spool.Envelope;
import sluice.spool.QueuedMessage;
import sluice.spool.Recipient;
import sluice.spool.Spool;
import sluice.spool.SpoolException;
import sluice.spool.TlsRequest;

/**
 * Builds RFC 3464 DSNs and queues them through the same door as every other message, from the null sender
 * (so a DSN that cannot be delivered is never bounced again).
 */
public final class DsnNotices implements Notices {
    private static final Logger log = LoggerFactory.getLogger(DsnNotices.class);

    private final Spool spool;
    private final Ingest ingest;
    private final String hostname;
    private final Duration lifetime;
    private final Clock clock;

    public DsnNotices(Spool spool, Ingest ingest, String hostname, Duration lifetime, Clock clock) {
        this.spool = spool;
        this.ingest = ingest;
        this.hostname = hostname;
        this.lifetime = lifetime;
        this.clock = clock;
    }

    @Override
    public void send(QueuedMessage m, List<Notice> notices) {
        if (notices.isEmpty() || m.envelope().sender().isEmpty()) return;
        Envelope env = m.envelope();
        Instant now = clock.instant();
        byte[] original;
        try {
            original = spool.readData(m.id()).orElse(new byte[0]);
        } catch (SpoolException e) {
            original = new byte[0];
        }
        List<DsnRecipient> rcpts = notices.stream().map(n -> recipient(n, env, now)).toList();
        String id = ingest.newId();
        String messageId = "<" + id + ".dsn@" + hostname + ">";
        DsnRequest request = new DsnRequest(hostname, m.id(), env.sender(), env.attributes().get("envid"),
                env.attributes().get("ret"), env.received(), rcpts, original, "true".equals(env.attributes().get("smtputf8")),
                env.requireTls());
        byte[] dsn = Dsn.build(request, now.atZone(clock.getZone()), messageId);
        Envelope out = new Envelope("", List.of(Recipient.pending(env.sender(), null, "NEVER")), now, dsn.length,
                Map.of("message_id", messageId, "dsn_for", m.id(), "mode", "dsn",
                        "smtputf8", Boolean.toString(request.smtpUtf8())))
                // RFC 8689 5: the report about a REQUIRETLS message is protected as the message was
                .withTlsRequest(env.requireTls() ? TlsRequest.REQUIRED : TlsRequest.DEFAULT);
        try {
            ingest.accept(id, out, dsn);
        } catch (SpoolException e) {
            log.error("queue: DSN for {} to {} not stored: {}", m.id(), env.sender(), e.getMessage());
            throw new IllegalStateException("DSN not stored: " + e.getMessage(), e);
        }
        log.info("queue: {} DSN {} for {} sent to <{}>", notices.get(0).kind().name().toLowerCase(java.util.Locale.ROOT),
                id, m.id(), env.sender());
    }

    private DsnRecipient recipient(Notice n, Envelope env, Instant now) {
        Outcome o = n.outcome();
        DsnRecipient.Action action = switch (n.kind()) {
            case FAILED -> DsnRecipient.Action.FAILED;
            case DELAYED -> DsnRecipient.Action.DELAYED;
            case DELIVERED -> DsnRecipient.Action.DELIVERED;
            case RELAYED -> DsnRecipient.Action.RELAYED;
        };
        String status = switch (n.kind()) {
            // An expired recipient keeps its 4.x.x (e.g. 4.4.7): "failed" with a temporary status, as Postfix reports it.
            case FAILED -> o != null && o.enhancedCode() != null && o.enhancedCode().startsWith("4.") ? o.enhancedCode() : status(o, 5);
            case DELAYED -> status(o, 4);
            case DELIVERED, RELAYED -> status(o, 2);
        };
        String diagnostic = o == null || o.code() == 0 ? (o == null ? null : o.text()) : o.summary();
        return new DsnRecipient(n.recipient().address(), n.recipient().orcpt(), action, status,
                o == null ? null : o.remoteHost(), diagnostic, now,
                n.kind() == Kind.DELAYED ? env.received().plus(lifetime) : null);
    }

    /** The enhanced status of the outcome when it fits the report's class, else X.0.0. */
    private static String status(Outcome o, int klass) {
        if (o != null && o.enhancedCode() != null && o.enhancedCode().startsWith(klass + ".")) return o.enhancedCode();
        if (o != null && o.code() / 100 == klass) return Dsn.statusFor(o.code(), o.enhancedCode());
        return klass + ".0.0";
    }
}
