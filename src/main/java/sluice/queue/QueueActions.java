package sluice.queue;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import sluice.delivery.Outcome;
import sluice.observe.DeliveryEvent;
import sluice.observe.EventSink;
import sluice.observe.EventOutbox;
import sluice.spool.OutboxRecords;
import sluice.spool.QueueState;
import sluice.spool.QueuedMessage;
import sluice.spool.Recipient;
import sluice.spool.RecipientState;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * Operator actions on the spool: by id when no server is running on it ({@code sluice queue
 * hold|release|retry|delete|bounce} with the server stopped), and on a found message for a running server's
 * {@link Scheduler}, which adds its index's half.
 */
public final class QueueActions implements QueueControl {
    private final Spool spool;
    private final Notices notices;
    private final EventSink deliveryLog;
    private final Clock clock;
    // An operator's bounce is stored as webhook events with the message's removal (set once at start).
    private volatile EventOutbox outbox = EventOutbox.NONE;

    public QueueActions(Spool spool, Notices notices, EventSink deliveryLog, Clock clock) {
        this.spool = spool;
        this.notices = notices;
        this.deliveryLog = deliveryLog;
        this.clock = clock;
    }

    @Override
    public QueueOpResult hold(String id) throws SpoolException {
        Optional<QueuedMessage> m = spool.find(id);
        return m.isEmpty() ? new QueueOpResult.NotFound() : hold(m.get());
    }

    @Override
    public QueueOpResult release(String id) throws SpoolException {
        Optional<QueuedMessage> m = spool.find(id);
        return m.isEmpty() ? new QueueOpResult.NotFound() : release(m.get(), "released; delivered when the server runs");
    }

    @Override
    public QueueOpResult retry(String id) throws SpoolException {
        Optional<QueuedMessage> m = spool.find(id);
        if (m.isEmpty()) return new QueueOpResult.NotFound();
        QueueState s = m.get().state();
        if (s.held()) return new QueueOpResult.Failed("held; release it first");
        spool.update(id, m.get().envelope(), new QueueState(false, null, s.attempts(), s.lastError()));
        return new QueueOpResult.Done("due now; delivered when the server runs");
    }

    @Override
    public QueueOpResult delete(String id) throws SpoolException {
        Optional<QueuedMessage> m = spool.find(id);
        return m.isEmpty() ? new QueueOpResult.NotFound() : delete(m.get());
    }

    @Override
    public QueueOpResult bounce(String id) throws SpoolException {
        Optional<QueuedMessage> m = spool.find(id);
        return m.isEmpty() ? new QueueOpResult.NotFound() : bounce(m.get());
    }

    // ---- on a found message (the scheduler's spool half) --------------------------------------------

    QueueOpResult hold(QueuedMessage m) throws SpoolException {
        QueueState s = m.state();
        if (s.held()) return new QueueOpResult.Done("already held");
        spool.update(m.id(), m.envelope(), new QueueState(true, s.nextAttempt(), s.attempts(), s.lastError()));
        deliveryLog.publish(action("held", m));
        return new QueueOpResult.Done("held");
    }

    /** Due at once; {@code done} says what happens next. */
    QueueOpResult release(QueuedMessage m, String done) throws SpoolException {
        QueueState s = m.state();
        if (!s.held()) return new QueueOpResult.Done("not held");
        spool.update(m.id(), m.envelope(), new QueueState(false, null, s.attempts(), s.lastError()));
        deliveryLog.publish(action("released", m));
        return new QueueOpResult.Done(done);
    }

    QueueOpResult delete(QueuedMessage m) throws SpoolException {
        spool.remove(m.id());
        deliveryLog.publish(action("deleted", m));
        return new QueueOpResult.Done("deleted");
    }

    /** Where the events of an operator's bounce go to be stored with the removal (webhooks). */
    public QueueActions outbox(EventOutbox outbox) {
        this.outbox = outbox;
        return this;
    }

    /** Every pending recipient bounced now (one DSN to the sender), then the message removed. */
    QueueOpResult bounce(QueuedMessage m) throws SpoolException {
        List<DeliveryEvent> bounced = bounceNow(m, clock.instant(), notices, deliveryLog);
        spool.remove(m.id(), bounced.isEmpty() ? OutboxRecords.NONE : outbox.recordsFor(bounced));
        return new QueueOpResult.Done("bounced");
    }

    /** Logs every pending recipient as bounced by the operator and sends the sender one DSN for them. */
    private static List<DeliveryEvent> bounceNow(QueuedMessage m, Instant now, Notices notices, EventSink deliveryLog) {
        List<Notices.Notice> failed = new ArrayList<>();
        List<DeliveryEvent> events = new ArrayList<>();
        for (Recipient r : m.envelope().recipients()) {
            if (r.state() != RecipientState.PENDING) continue;
            Outcome o = new Outcome(r.address(), Outcome.Result.BOUNCED, 550, "5.0.0",
                    "Bounced by the postmaster" + (r.lastError() == null ? "" : "; last error: " + r.lastError()),
                    null, null, 0, null, 0);
            Recipient x = new Recipient(r.address(), r.orcpt(), r.notifyOn(), RecipientState.BOUNCED, r.attempts(), o.summary());
            failed.add(new Notices.Notice(x, Notices.Kind.FAILED, o));
            DeliveryEvent e = new DeliveryEvent.Attempt(now, "bounced", m.id(), m.envelope().attributes().get("message_id"),
                    m.envelope().sender(), r.address(), null, null, 0, null, o.code(), o.enhancedCode(), o.text(),
                    m.state().attempts(), 0, m.envelope().size(), null, "other");
            deliveryLog.publish(e);
            events.add(e);
        }
        List<Notices.Notice> wanted = Notices.filter(m, failed);
        if (!wanted.isEmpty()) notices.send(m, wanted);
        return events;
    }

    private DeliveryEvent action(String event, QueuedMessage m) {
        return new DeliveryEvent.QueueAction(clock.instant(), event, m.id(), m.envelope().attributes().get("message_id"),
                m.envelope().sender(), null);
    }
}
