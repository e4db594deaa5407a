package sluice.queue;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.bounce.BounceClassifier;
import sluice.delivery.Destination;
import sluice.delivery.Job;
import sluice.delivery.Outcome;
import sluice.delivery.Router;
import sluice.delivery.Transport;
import sluice.observe.EventSink;
import sluice.shaping.Shaper;
import sluice.spool.Envelope;
import sluice.spool.QueueState;
import sluice.spool.QueuedMessage;
import sluice.spool.Recipient;
import sluice.spool.RecipientState;
import sluice.spool.Spool;
import sluice.spool.SpoolException;
import sluice.smtp.Addresses;

/**
 * The queue manager. It keeps a small index of every queued message (id, due time, held) rebuilt from the
 * spool at start ({@link QueueIndex}), wakes messages when they are due and splits their pending recipients into
 * per-destination ready queues ({@link ReadyQueues}), whose workers run the transports ({@link Courier});
 * {@link Rounds} bounds the rounds in flight and hands each finished one to {@link Settlement}, which turns its
 * outcomes into recipient states, retries, expiry and DSNs; {@link IndexedQueueActions} carries out the operator's
 * actions.
 *
 * <p>A message is in at most one delivery round at a time ("busy"); operator actions on a busy message
 * answer {@link QueueOpResult.Busy}. At most {@code maxInFlight} messages are in rounds at once, which bounds
 * the memory a backlog can take.
 */
public final class Scheduler implements QueueControl, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

    /** Recipients not to send to (the suppression list in "drop" mode): the reason, or null. */
    @FunctionalInterface
    public interface Suppressed {
        String reason(String senderDomain, String recipient);

        Suppressed NONE = (d, r) -> null;
    }

    /** Tuning that does not come from the retry policy. */
    public record Settings(int connectionsPerDestination, int maxInFlight) {
        public static final Settings DEFAULT = new Settings(20, 20_000);
    }

    private final Spool spool;
    private final Router router;
    private final QueueIndex index;
    private final Settlement settlement;
    private final IndexedQueueActions actions;
    private final QueueActions queueActions;
    private final Clock clock;
    private final Suppressed suppressed;
    private final Rounds rounds;
    private final Courier courier;
    private final ReadyQueues ready;

    private volatile boolean stopped;
    private Thread timerThread;

    public Scheduler(Spool spool, Router router, Transport transport, RetryPolicy policy, Notices notices,
                     EventSink deliveryLog, Clock clock, Settings settings) {
        this(spool, router, transport, policy, notices, deliveryLog, clock, settings, Suppressed.NONE, new BounceClassifier());
    }

    public Scheduler(Spool spool, Router router, Transport transport, RetryPolicy policy, Notices notices,
                     EventSink deliveryLog, Clock clock, Settings settings, Suppressed suppressed,
                     BounceClassifier classifier) {
        this(spool, router, transport, policy, notices, deliveryLog, clock, settings, suppressed, classifier, null);
    }

    /** @param shaper asked before each job is attempted (source, group limits); null: no shaping */
    public Scheduler(Spool spool, Router router, Transport transport, RetryPolicy policy, Notices notices,
                     EventSink deliveryLog, Clock clock, Settings settings, Suppressed suppressed,
                     BounceClassifier classifier, Shaper shaper) {
        this.suppressed = suppressed;
        this.spool = spool;
        this.router = router;
        this.index = new QueueIndex(router, spool.estimatedCount());
        this.settlement = new Settlement(spool, index, policy, notices, deliveryLog, classifier, clock);
        this.queueActions = new QueueActions(spool, notices, deliveryLog, clock);
        this.actions = new IndexedQueueActions(spool, index, queueActions, clock);
        this.clock = clock;
        this.rounds = new Rounds(settlement, settings.maxInFlight());
        this.courier = new Courier(transport, shaper, index, rounds, clock);
        this.ready = new ReadyQueues(settings.connectionsPerDestination(), courier::run);
    }

    /** Where outcome events go to be stored with the outcome (webhooks); set before {@link #start}. */
    public void outbox(sluice.observe.EventOutbox outbox) {
        settlement.outbox(outbox);
        queueActions.outbox(outbox);
    }

    /** Rebuilds the index from the spool and starts waking due messages. Returns the number of messages. */
    public int start() throws SpoolException {
        AtomicInteger count = new AtomicInteger();
        long now = clock.millis();
        long t0 = System.nanoTime();
        // Only the scheduling facts are decoded (the whole envelope is read when the message is due), on as many
        // threads as there are cores: with 1M messages queued this scan is most of a restart.
        spool.scanFacts(Runtime.getRuntime().availableProcessors(), f -> {
            count.incrementAndGet();
            QueueIndex.Entry e = new QueueIndex.Entry();
            e.held = f.held();
            e.due = f.nextAttempt() == null ? now : f.nextAttempt().toEpochMilli();
            e.destinations = index.destinationsOf(f.pendingRecipients());
            index.entries.put(f.id(), e);
            if (!e.held) index.timers.add(new QueueIndex.Timer(e.due, f.id()));
        });
        if (count.get() > 0) log.info("queue: {} queued message(s) indexed in {} ms", count.get(), (System.nanoTime() - t0) / 1_000_000);
        timerThread = Thread.ofPlatform().name("queue-timer").daemon(true).start(this::timerLoop);
        return count.get();
    }

    /** A newly accepted message: due now. */
    public void enqueue(String id) {
        enqueue(id, null, null);
    }

    /** A newly accepted message, as it was stored: due now, and not read back from the spool for its first round. */
    public void enqueue(String id, Envelope envelope, byte[] data) {
        if (stopped) return;
        long now = clock.millis();
        QueueIndex.Entry e = new QueueIndex.Entry();
        e.due = now;
        if (envelope != null) {
            e.fresh = new QueuedMessage(id, envelope, QueueState.NEW);
            if (data != null && index.carried.addAndGet(data.length) <= QueueIndex.CARRY_BUDGET) {
                e.freshData = data;
            } else if (data != null) {
                index.carried.addAndGet(-data.length);
            }
        }
        index.entries.put(id, e);
        index.timers.add(new QueueIndex.Timer(now, id));
        wake();
    }

    /** Makes the timer look again (after the clock moved, in tests, or when something became due). */
    public void wake() {
        index.wake();
    }

    private void timerLoop() {
        long lastSweep = clock.millis();
        while (!stopped) {
            try {
                QueueIndex.Timer first = index.timers.isEmpty() ? null : index.timers.first();
                long now = clock.millis();
                if (first != null && first.due() <= now) {
                    if (index.timers.remove(first)) {
                        rounds.acquire();
                        if (!dispatch(first)) rounds.unused();
                    }
                    continue;
                }
                if (now - lastSweep > 60_000) {
                    lastSweep = now;
                    ready.dropIdle();
                }
                index.await(first == null ? 1000 : Math.min(1000, first.due() - now));
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("queue: timer: {}", e.toString(), e);
            }
        }
    }

    /** Starts a round for a due message; false when there was nothing to start (stale timer, held, busy). */
    private boolean dispatch(QueueIndex.Timer t) {
        QueueIndex.Entry e = index.entries.get(t.id());
        if (e == null) return false;
        synchronized (e) {
            if (e.held || e.busy || e.acting || e.due != t.due()) return false;
            e.busy = true;
        }
        QueuedMessage m;
        byte[] carriedData;
        synchronized (e) {
            m = e.fresh;
            carriedData = e.freshData;
            e.fresh = null;
            e.freshData = null;
        }
        if (carriedData != null) index.carried.addAndGet(-carriedData.length);
        try {
            if (m == null) {
                Optional<QueuedMessage> found = spool.find(t.id());
                if (found.isEmpty()) {
                    index.entries.remove(t.id());
                    return false;
                }
                m = found.get();
            }
            e.destinations = index.destinationsOf(m);
        } catch (SpoolException ex) {
            log.error("queue: cannot read {}: {}", t.id(), ex.getMessage());
            index.release(t.id(), e, clock.millis() + 60_000);
            return false;
        }
        Map<String, List<Recipient>> byKey = new LinkedHashMap<>();
        Map<String, Destination> dests = new HashMap<>();
        List<Outcome> dropped = new ArrayList<>();
        String senderDomain = Addresses.domainOf(m.envelope().sender());
        for (Recipient r : m.envelope().recipients()) {
            if (r.state() != RecipientState.PENDING) continue;
            Destination d = router.route(r.address());
            String why = d instanceof Destination.Local ? null : suppressed.reason(senderDomain, r.address());
            if (why != null) {
                dropped.add(new Outcome(r.address(), Outcome.Result.SUPPRESSED, 0, null, "Suppressed: " + why, null, null,
                        0, null, 0));
                continue;
            }
            byKey.computeIfAbsent(d.key(), k -> new ArrayList<>()).add(r);
            dests.putIfAbsent(d.key(), d);
        }
        if (byKey.isEmpty()) { // nothing to send (all suppressed, or a crash after the last outcome)
            Round r = new Round(spool, m, 0, null);
            r.outcomes.addAll(dropped);
            rounds.begun();
            rounds.settle(r);
            return true;
        }
        Round round = new Round(spool, m, byKey.size(), carriedData);
        round.outcomes.addAll(dropped);
        rounds.begun();
        for (Map.Entry<String, List<Recipient>> g : byKey.entrySet()) {
            Destination d = dests.get(g.getKey());
            ready.offer(d, new Round.Work(round, new Job(m.id(), m.envelope(), g.getValue(), d)));
        }
        return true;
    }

    // ---- operator actions: see IndexedQueueActions ----------------------------------------------------

    @Override
    public QueueOpResult hold(String id) {
        return actions.hold(id);
    }

    @Override
    public QueueOpResult release(String id) {
        return actions.release(id);
    }

    @Override
    public QueueOpResult retry(String id) {
        return actions.retry(id);
    }

    @Override
    public QueueOpResult delete(String id) {
        return actions.delete(id);
    }

    /** Bounces every pending recipient now (DSN to the sender) and removes the message. */
    @Override
    public QueueOpResult bounce(String id) {
        return actions.bounce(id);
    }

    /**
     * Every queued message that is not held becomes due now (a message in a round is retried right after it);
     * shaping still paces them. Returns how many were made due.
     */
    public int retryAll() {
        return actions.retryAll();
    }

    /**
     * From now on every remote job goes to {@code peer} instead of its destination, without asking shaping (a
     * drain's handover to another node, which shapes what it relays); local recipients still go to Maildir.
     */
    public void handOver(Transport peer) {
        courier.handOver(peer);
    }

    // ---- views ------------------------------------------------------------------------------------

    /** The interned destination keys of a queued message's pending recipients (for tests); null when not queued. */
    String[] destinationKeys(String id) {
        QueueIndex.Entry e = index.entries.get(id);
        return e == null ? null : e.destinations.clone();
    }

    public int size() {
        return index.entries.size();
    }

    /** Messages in delivery rounds right now. */
    public int active() {
        return rounds.active();
    }

    /** True when nothing is queued and nothing is being delivered. */
    public boolean idle() {
        return index.entries.isEmpty() && rounds.active() == 0;
    }

    /** Messages by state: ready (due), scheduled (waiting for a retry), held, and active (in delivery now). */
    public Map<String, Long> countsByState() {
        long ready = 0, scheduled = 0, held = 0, active = 0;
        long now = clock.millis();
        for (QueueIndex.Entry e : index.entries.values()) {
            synchronized (e) {
                if (e.busy) active++;
                else if (e.held) held++;
                else if (e.due > now) scheduled++;
                else ready++;
            }
        }
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("ready", ready);
        out.put("scheduled", scheduled);
        out.put("held", held);
        out.put("active", active);
        return out;
    }

    /** Queued messages per destination (a message with recipients at several destinations counts at each). */
    public Map<String, Long> messagesByDestination() {
        Map<String, Long> out = new HashMap<>();
        for (QueueIndex.Entry e : index.entries.values()) {
            for (String d : e.destinations) out.merge(d, 1L, Long::sum);
        }
        return out;
    }

    /** Waiting jobs per destination (for metrics and the dashboard). */
    public Map<String, Integer> waitingByDestination() {
        return ready.waitingByDestination();
    }

    /** Stops waking messages and waits (up to {@code grace}) for rounds in flight to settle. */
    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    public void close(Duration grace) {
        stopped = true;
        if (timerThread != null) {
            timerThread.interrupt();
            try {
                timerThread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        rounds.awaitSettled(grace);
    }
}
