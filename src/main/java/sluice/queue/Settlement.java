package sluice.queue;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.bounce.BounceClassifier;
import sluice.delivery.Outcome;
import sluice.observe.DeliveryEvent;
import sluice.observe.EventOutbox;
import sluice.observe.EventSink;
import sluice.spool.Envelope;
import sluice.spool.OutboxRecords;
import sluice.spool.QueueState;
import sluice.spool.QueuedMessage;
import sluice.spool.Recipient;
import sluice.spool.RecipientState;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * Settlement of a delivery round: turns the transports' outcomes into recipient states, delivery-log lines, DSNs
 * (queued before the message's new state is stored), and then the message's removal or its next attempt, expiry
 * included. Called once per round, by the last of its jobs to finish, with no lock held.
 */
final class Settlement {
    private static final Logger log = LoggerFactory.getLogger(Settlement.class);
    private final Spool spool;
    private final QueueIndex index;
    private final RetryPolicy policy;
    private final Notices notices;
    private final EventSink deliveryLog;
    private final BounceClassifier classifier;
    private final Clock clock;
    private final RandomGenerator random = RandomGenerator.getDefault();
    // Webhook events are stored in the same batch as the outcome they report (set once at start).
    private volatile EventOutbox outbox = EventOutbox.NONE;

    Settlement(Spool spool, QueueIndex index, RetryPolicy policy, Notices notices, EventSink deliveryLog,
               BounceClassifier classifier, Clock clock) {
        this.spool = spool;
        this.index = index;
        this.policy = policy;
        this.notices = notices;
        this.deliveryLog = deliveryLog;
        this.classifier = classifier;
        this.clock = clock;
    }

    void outbox(EventOutbox outbox) {
        this.outbox = outbox;
    }

    /** Applies a round's outcomes: recipient states, log lines, DSNs, then removal or the next attempt. */
    void settle(QueuedMessage m, Collection<Outcome> outcomes, Map<String, String> routes) {
        settle(m, outcomes, routes, Long.MAX_VALUE);
    }

    /**
     * A round in which shaping held every job back: nothing was attempted, so no attempt is counted and nothing is
     * written; the message is due again when shaping said, or at the end of its queue lifetime if that comes first
     * (then it expires on time, throttled or not).
     */
    void settleThrottled(QueuedMessage m, long throttledUntil) {
        long expires = m.envelope().received().plus(policy.maxLifetime()).toEpochMilli();
        long now = clock.millis();
        if (now >= expires) {
            settle(m, java.util.List.of(), Map.of(), throttledUntil);
            return;
        }
        QueueIndex.Entry e = index.entries.get(m.id());
        if (e == null) return;
        long due;
        synchronized (e) {
            due = e.retryRequested ? now : Math.min(throttledUntil, expires);
            e.retryRequested = false;
        }
        index.release(m.id(), e, due, now);
    }

    /**
     * Applies a round's outcomes; {@code throttledUntil} (epoch millis, or {@code Long.MAX_VALUE}) is when the
     * recipients shaping held back may be tried: the message is due then if that is before its next retry.
     */
    void settle(QueuedMessage m, Collection<Outcome> outcomes, Map<String, String> routes, long throttledUntil) {
        Envelope env = m.envelope();
        Instant now = clock.instant();
        Map<String, Outcome> byRcpt = new HashMap<>();
        for (Outcome o : outcomes) {
            if (o.result() != Outcome.Result.THROTTLED) byRcpt.put(o.recipient(), o); // not attempted: left as it was
        }
        int attempt = m.state().attempts() + 1;
        List<DeliveryEvent> reported = new ArrayList<>();

        List<Recipient> updated = new ArrayList<>(env.recipients().size());
        List<Notices.Notice> failed = new ArrayList<>();
        List<Notices.Notice> succeeded = new ArrayList<>();
        boolean pending = false;
        String lastError = null;
        for (Recipient r : env.recipients()) {
            Outcome o = r.state() == RecipientState.PENDING ? byRcpt.get(r.address()) : null;
            if (o == null) {
                updated.add(r);
                pending |= r.state() == RecipientState.PENDING;
                continue;
            }
            RecipientState state = switch (o.result()) {
                case DELIVERED -> RecipientState.DELIVERED;
                case BOUNCED, SUPPRESSED -> RecipientState.BOUNCED;
                case DEFERRED, THROTTLED -> RecipientState.PENDING;
            };
            String error = o.result() == Outcome.Result.DELIVERED ? r.lastError() : o.summary();
            Recipient next = new Recipient(r.address(), r.orcpt(), r.notifyOn(), state, r.attempts() + 1, error);
            updated.add(next);
            reported.add(logAttempt(m, o, o.result().name().toLowerCase(java.util.Locale.ROOT), attempt,
                    routes.get(r.address())));
            switch (o.result()) {
                case BOUNCED -> failed.add(new Notices.Notice(next, Notices.Kind.FAILED, o));
                case DELIVERED -> {
                    // RFC 3461 5.2.1: a DSN-capable next hop got NOTIFY/ORCPT and reports success itself; 5.2.2:
                    // only a next hop without DSN leaves a "relayed" report to us (if NOTIFY asked for SUCCESS).
                    if (o.remoteHost() == null) succeeded.add(new Notices.Notice(next, Notices.Kind.DELIVERED, o));
                    else if (!o.dsnPassedOn()) succeeded.add(new Notices.Notice(next, Notices.Kind.RELAYED, o));
                }
                case SUPPRESSED -> { } // dropped as the operator asked: logged, no DSN
                case THROTTLED -> throw new IllegalStateException("a throttled recipient is not an outcome");
                case DEFERRED -> {
                    pending = true;
                    lastError = o.summary();
                }
            }
        }

        Map<String, String> attrs = env.attributes();
        Instant next = null;
        List<Notices.Notice> delayed = new ArrayList<>();
        if (pending) {
            next = policy.next(env.received(), now, attempt, random);
            if (next == null) { // lifetime over: every pending recipient expires
                for (int i = 0; i < updated.size(); i++) {
                    Recipient r = updated.get(i);
                    if (r.state() != RecipientState.PENDING) continue;
                    Recipient x = new Recipient(r.address(), r.orcpt(), r.notifyOn(), RecipientState.EXPIRED, r.attempts(),
                            r.lastError());
                    updated.set(i, x);
                    Outcome last = byRcpt.get(r.address());
                    Outcome expiry = new Outcome(r.address(), Outcome.Result.BOUNCED, last == null ? 0 : last.code(),
                            "4.4.7", "Message expired after " + policy.maxLifetime().toString().substring(2).toLowerCase()
                            + " in the queue" + (r.lastError() == null ? "" : "; last error: " + r.lastError()),
                            last == null ? null : last.remoteHost(), last == null ? null : last.remoteIp(),
                            last == null ? 0 : last.remotePort(), null, 0);
                    reported.add(logAttempt(m, expiry, "expired", attempt, routes.get(r.address())));
                    failed.add(new Notices.Notice(x, Notices.Kind.FAILED, expiry));
                }
                pending = false;
            } else if (!attrs.containsKey("delay_warned") && policy.warningDue(env.received(), now)) {
                for (Recipient r : updated) {
                    if (r.state() == RecipientState.PENDING) {
                        delayed.add(new Notices.Notice(r, Notices.Kind.DELAYED, byRcpt.get(r.address())));
                    }
                }
                delayed = Notices.filter(m, delayed);
                if (!delayed.isEmpty()) {
                    attrs = new HashMap<>(attrs);
                    attrs.put("delay_warned", now.toString());
                }
            }
        }

        // Everything but recipients and attributes carries over: a deferral must not drop the pool or REQUIRETLS.
        Envelope newEnv = new Envelope(env.sender(), updated, env.received(), env.size(), attrs, env.pool(),
                env.tlsRequest());
        QueuedMessage settled = new QueuedMessage(m.id(), newEnv,
                new QueueState(false, next, attempt, lastError == null ? m.state().lastError() : lastError));
        // The DSNs are queued before this message's new state is stored: a crash in between repeats a
        // DSN rather than lose one.
        send(settled, Notices.filter(m, failed));
        send(settled, delayed);
        send(settled, Notices.filter(m, succeeded));

        QueueIndex.Entry e = index.entries.get(m.id());
        try {
            OutboxRecords events = reported.isEmpty() ? OutboxRecords.NONE : outbox.recordsFor(reported);
            if (pending) {
                spool.update(m.id(), newEnv, settled.state(), events);
            } else {
                spool.remove(m.id(), events);
            }
        } catch (SpoolException ex) {
            log.error("queue: cannot store the outcome of {}: {}", m.id(), ex.getMessage());
            // The spool still has the previous state: the message will be tried again.
            if (e != null) index.release(m.id(), e, clock.millis() + 60_000);
            return;
        }
        if (e == null) return;
        if (!pending) {
            index.entries.remove(m.id());
            return;
        }
        long due;
        synchronized (e) {
            due = e.retryRequested ? clock.millis() : Math.min(next.toEpochMilli(), throttledUntil);
            e.retryRequested = false;
            e.destinations = index.destinationsOf(settled);
        }
        index.release(m.id(), e, due, throttledUntil <= next.toEpochMilli() ? clock.millis() : Long.MAX_VALUE);
    }

    private void send(QueuedMessage m, List<Notices.Notice> list) {
        if (list.isEmpty()) return;
        try {
            notices.send(m, list);
        } catch (RuntimeException ex) {
            log.error("queue: cannot send a DSN for {}: {}", m.id(), ex.toString(), ex);
        }
    }

    private DeliveryEvent logAttempt(QueuedMessage m, Outcome o, String event, int attempt, String route) {
        DeliveryEvent e = new DeliveryEvent.Attempt(clock.instant(), event, m.id(), m.envelope().attributes().get("message_id"),
                m.envelope().sender(), o.recipient(), o.remoteHost(), o.remoteIp(), o.remotePort(), o.tls(),
                o.code(), o.enhancedCode(), o.text(), attempt, o.durationMillis(), m.envelope().size(), route,
                event.equals("delivered") || event.equals("suppressed") ? null
                        : classifier.classify(o.code(), o.enhancedCode(), o.text()),
                o.egress() == null ? null : o.egress().name(), o.egress() == null ? null : o.egress().ip(), o.tlsPolicy());
        deliveryLog.publish(e);
        return e;
    }
}
