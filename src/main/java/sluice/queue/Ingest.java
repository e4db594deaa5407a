package sluice.queue;

import java.time.Clock;
import java.util.List;
import sluice.observe.DeliveryEvent;
import sluice.observe.EventOutbox;
import sluice.observe.EventSink;
import sluice.spool.Envelope;
import sluice.spool.QueueState;
import sluice.spool.Recipient;
import sluice.spool.Spool;
import sluice.spool.SpoolException;
import sluice.spool.TlsRequest;
import sluice.transit.TlsRequiredHeader;

/**
 * The one door into the queue: SMTP, and later the HTTP send API, sendmail and bounces, all store
 * messages here. A message is durable (fsynced) when {@link #accept} returns, and its {@code received}
 * event is logged.
 */
public final class Ingest {
    private final Spool spool;
    private final EventSink log;
    private final Clock clock;
    /** Hears of each stored message, with what was stored (so the scheduler need not read it back). */
    @FunctionalInterface
    public interface Listener {
        void accepted(String id, Envelope envelope, byte[] data);
    }

    private volatile Listener accepted = (id, envelope, data) -> {};
    private volatile EventOutbox outbox = EventOutbox.NONE;

    public Ingest(Spool spool, EventSink log, Clock clock) {
        this.spool = spool;
        this.log = log;
        this.clock = clock;
    }

    /** Who hears of each stored message (the scheduler, which makes it due at once). */
    public void onAccepted(Listener listener) {
        this.accepted = listener;
    }

    /** Where "received" events go to be stored in the message's own commit (webhooks). */
    public void outbox(EventOutbox outbox) {
        this.outbox = outbox;
    }

    public String newId() {
        return spool.newId();
    }

    public boolean hasStorage() {
        return spool.hasDiskReserve();
    }

    /**
     * Stores a message durably.
     *
     * @throws SpoolException when it could not be stored; nothing of it is kept
     */
    public void accept(String id, Envelope envelope, byte[] data) throws SpoolException {
        envelope = withTlsRequest(envelope, data);
        var a = envelope.attributes();
        List<String> rcpts = envelope.recipients().stream().map(Recipient::address).toList();
        DeliveryEvent received = new DeliveryEvent.Received(clock.instant(), id, a.get("message_id"), envelope.sender(),
                rcpts, parseInt(a.get("listener")), a.get("client_ip"), a.get("tls"), a.get("auth_user"),
                envelope.size(), a.get("dsn_for"));
        spool.commit(id, envelope, QueueState.NEW, data, outbox.recordsFor(List.of(received)));
        log.publish(received);
        accepted.accepted(id, envelope, data);
    }

    /**
     * RFC 8689's one rule, at the one door: a TLS-Required: No header field counts unless the sender asked for
     * REQUIRETLS (each door sets that from its own request), whichever door the message came through.
     */
    static Envelope withTlsRequest(Envelope e, byte[] data) {
        if (e.requireTls()) return e;
        return e.withTlsRequest(TlsRequest.of(false, TlsRequiredHeader.saysNo(data)));
    }

    private static int parseInt(String s) {
        try {
            return s == null ? 0 : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
