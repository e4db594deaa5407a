package sluice.queue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;
import com.github.benmanes.caffeine.cache.Interner;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.bounce.BounceClassifier;
import sluice.delivery.Destination;
import sluice.delivery.Job;
import sluice.delivery.Outcome;
import sluice.delivery.Router;
import sluice.delivery.Transport;
import sluice.observe.DeliveryEvent;
import sluice.observe.EventSink;
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
 * spool at start, wakes messages when they are due, splits their pending recipients into per-destination
 * ready queues, and turns the transports' outcomes into recipient states, retries, expiry and DSNs.
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

    private static final class Entry {
        long due; // epoch millis; meaningful when !held
        boolean held;
        boolean busy;
        boolean retryRequested; // retry asked while busy: due now after the round
        boolean acting;         // an operator action is reading or writing it in the spool (no lock held meanwhile)
        String[] destinations = NO_DESTINATIONS; // where its pending recipients go (interned keys)
        QueuedMessage fresh;   // a just-accepted message as stored, until its first round (saves reading it back)
        byte[] freshData;      // its data, when the carry budget allowed
    }

    /** Bytes of just-accepted message data kept for their first round; beyond it, data is read from the spool. */
    private static final long CARRY_BUDGET = 64L << 20;
    private final java.util.concurrent.atomic.AtomicLong carried = new java.util.concurrent.atomic.AtomicLong();

    private static final String[] NO_DESTINATIONS = new String[0];
    // Destination keys are shared by many entries, so they are interned; weakly, because the set of domains ever
    // seen is unbounded (a bulk sender meets millions): a key goes once no queued message refers to it.
    private final Interner<String> keys = Interner.newWeakInterner();

    private String[] destinationsOf(QueuedMessage m) {
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
        for (Recipient r : m.envelope().recipients()) {
            if (r.state() == RecipientState.PENDING) {
                String k = router.route(r.address()).key();
                out.add(keys.intern(k));
            }
        }
        return out.toArray(NO_DESTINATIONS);
    }

    private record Timer(long due, String id) implements Comparable<Timer> {
        public int compareTo(Timer o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : id.compareTo(o.id);
        }
    }

    /** One message's delivery round: its jobs run concurrently; the last to finish settles the message. */
    private final class Round {
        final QueuedMessage message;
        final AtomicInteger remaining;
        final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        final Map<String, String> routes = new ConcurrentHashMap<>();
        // The data, read once for all the round's jobs. The first job to need it reads it; the others wait on the
        // future, not on a lock held across the (JNI) read.
        private final java.util.concurrent.atomic.AtomicReference<CompletableFuture<byte[]>> data =
                new java.util.concurrent.atomic.AtomicReference<>();

        Round(QueuedMessage message, int jobs, byte[] carried) {
            this.message = message;
            this.remaining = new AtomicInteger(jobs);
            if (carried != null) data.set(CompletableFuture.completedFuture(carried));
        }

        byte[] data() throws SpoolException {
            CompletableFuture<byte[]> mine = new CompletableFuture<>();
            CompletableFuture<byte[]> f = data.compareAndExchange(null, mine);
            if (f == null) {
                try {
                    mine.complete(spool.readData(message.id()).orElseThrow(() -> new SpoolException("message data missing")));
                } catch (SpoolException | RuntimeException ex) {
                    data.set(null); // the next job tries again
                    mine.completeExceptionally(ex);
                }
                f = mine;
            }
            try {
                return f.join();
            } catch (java.util.concurrent.CompletionException ex) {
                if (ex.getCause() instanceof SpoolException se) throw se;
                throw ex;
            }
        }
    }

    private record Work(Round round, Job job) {}

    private final Spool spool;
    private final Router router;
    private final Transport transport;
    private final RetryPolicy policy;
    private final Notices notices;
    private final QueueActions onSpool; // the spool half of the operator actions
    private final EventSink deliveryLog;
    private final Clock clock;
    private final Settings settings;
    private final RandomGenerator random = RandomGenerator.getDefault();
    private final Suppressed suppressed;
    private final BounceClassifier classifier;

    private final ConcurrentHashMap<String, Entry> index = new ConcurrentHashMap<>();
    private final ConcurrentSkipListSet<Timer> timers = new ConcurrentSkipListSet<>();
    private final ConcurrentHashMap<String, DestinationQueue<Work>> destinations = new ConcurrentHashMap<>();
    private final Semaphore inFlight;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final AtomicInteger rounds = new AtomicInteger();
    private volatile boolean stopped;
    private Thread timerThread;

    public Scheduler(Spool spool, Router router, Transport transport, RetryPolicy policy, Notices notices,
                     EventSink deliveryLog, Clock clock, Settings settings) {
        this(spool, router, transport, policy, notices, deliveryLog, clock, settings, Suppressed.NONE, new BounceClassifier());
    }

    public Scheduler(Spool spool, Router router, Transport transport, RetryPolicy policy, Notices notices,
                     EventSink deliveryLog, Clock clock, Settings settings, Suppressed suppressed,
                     BounceClassifier classifier) {
        this.suppressed = suppressed;
        this.classifier = classifier;
        this.spool = spool;
        this.router = router;
        this.transport = transport;
        this.policy = policy;
        this.notices = notices;
        this.onSpool = new QueueActions(spool, notices, deliveryLog, clock);
        this.deliveryLog = deliveryLog;
        this.clock = clock;
        this.settings = settings;
        this.inFlight = new Semaphore(settings.maxInFlight());
    }

    /** Rebuilds the index from the spool and starts waking due messages. Returns the number of messages. */
    public int start() throws SpoolException {
        AtomicInteger count = new AtomicInteger();
        long now = clock.millis();
        spool.scan(m -> {
            count.incrementAndGet();
            index(m.id(), m.state(), now).destinations = destinationsOf(m);
        });
        timerThread = Thread.ofPlatform().name("queue-timer").daemon(true).start(this::timerLoop);
        return count.get();
    }

    private Entry index(String id, QueueState state, long now) {
        Entry e = new Entry();
        e.held = state.held();
        e.due = state.nextAttempt() == null ? now : state.nextAttempt().toEpochMilli();
        index.put(id, e);
        if (!e.held) timers.add(new Timer(e.due, id));
        return e;
    }

    /** A newly accepted message: due now. */
    public void enqueue(String id) {
        enqueue(id, null, null);
    }

    /** A newly accepted message, as it was stored: due now, and not read back from the spool for its first round. */
    public void enqueue(String id, Envelope envelope, byte[] data) {
        if (stopped) return;
        long now = clock.millis();
        Entry e = new Entry();
        e.due = now;
        if (envelope != null) {
            e.fresh = new QueuedMessage(id, envelope, QueueState.NEW);
            if (data != null && carried.addAndGet(data.length) <= CARRY_BUDGET) {
                e.freshData = data;
            } else if (data != null) {
                carried.addAndGet(-data.length);
            }
        }
        index.put(id, e);
        timers.add(new Timer(now, id));
        wake();
    }

    /** Makes the timer look again (after the clock moved, in tests, or when something became due). */
    public void wake() {
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void timerLoop() {
        long lastSweep = clock.millis();
        while (!stopped) {
            try {
                Timer first = timers.isEmpty() ? null : timers.first();
                long now = clock.millis();
                if (first != null && first.due() <= now) {
                    if (timers.remove(first)) {
                        inFlight.acquire();
                        if (!dispatch(first)) inFlight.release();
                    }
                    continue;
                }
                if (now - lastSweep > 60_000) {
                    lastSweep = now;
                    // Destinations with nothing waiting and nobody working give their queue back (a queue that
                    // gets work after this check still runs it: offering starts a worker).
                    destinations.forEach((k, q) -> {
                        if (q.waiting() == 0 && q.active() == 0) destinations.remove(k, q);
                    });
                }
                lock.lock();
                try {
                    long wait = first == null ? 1000 : Math.min(1000, first.due() - now);
                    if (wait > 0) wake.await(wait, TimeUnit.MILLISECONDS);
                } finally {
                    lock.unlock();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("queue: timer: {}", e.toString(), e);
            }
        }
    }

    /** Starts a round for a due message; false when there was nothing to start (stale timer, held, busy). */
    private boolean dispatch(Timer t) {
        Entry e = index.get(t.id());
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
        if (carriedData != null) carried.addAndGet(-carriedData.length);
        try {
            if (m == null) {
                Optional<QueuedMessage> found = spool.find(t.id());
                if (found.isEmpty()) {
                    index.remove(t.id());
                    return false;
                }
                m = found.get();
            }
            e.destinations = destinationsOf(m);
        } catch (SpoolException ex) {
            log.error("queue: cannot read {}: {}", t.id(), ex.getMessage());
            release(t.id(), e, clock.millis() + 60_000);
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
            Round r = new Round(m, 0, null);
            r.outcomes.addAll(dropped);
            rounds.incrementAndGet();
            settle(r);
            return true;
        }
        Round round = new Round(m, byKey.size(), carriedData);
        round.outcomes.addAll(dropped);
        rounds.incrementAndGet();
        for (Map.Entry<String, List<Recipient>> g : byKey.entrySet()) {
            Destination d = dests.get(g.getKey());
            queueFor(d).offer(new Work(round, new Job(m.id(), m.envelope(), g.getValue(), d)));
        }
        return true;
    }

    private DestinationQueue<Work> queueFor(Destination d) {
        return destinations.computeIfAbsent(d.key(),
                k -> new DestinationQueue<>(k, settings.connectionsPerDestination(), this::run));
    }

    private void run(Work w) {
        List<Outcome> out;
        long started = System.nanoTime();
        try {
            out = transport.deliver(w.job(), w.round().data());
        } catch (SpoolException | RuntimeException | Error ex) {
            // an Error too (a StackOverflowError in a parser, an OutOfMemoryError on a huge message): uncaught, the
            // round never settled and the message stayed "active" until a restart
            log.error("queue: delivery of {} to {} failed: {}", w.job().queueId(), w.job().destination().key(), ex.toString(), ex);
            long ms = (System.nanoTime() - started) / 1_000_000;
            out = w.job().recipients().stream().map(r -> new Outcome(r.address(), Outcome.Result.DEFERRED, 451, "4.3.0",
                    "Internal error during delivery", null, null, 0, null, ms)).toList();
        }
        for (Outcome o : out) w.round().routes.put(o.recipient(), w.job().destination().key());
        w.round().outcomes.addAll(out);
        if (w.round().remaining.decrementAndGet() == 0) settle(w.round());
    }

    /** Applies a round's outcomes: recipient states, log lines, DSNs, then removal or the next attempt. */
    private void settle(Round round) {
        try {
            settleRound(round);
        } catch (RuntimeException ex) {
            log.error("queue: settling {} failed: {}", round.message.id(), ex.toString(), ex);
        } finally {
            rounds.decrementAndGet();
            inFlight.release();
        }
    }

    private void settleRound(Round round) {
        QueuedMessage m = round.message;
        Envelope env = m.envelope();
        Instant now = clock.instant();
        Map<String, Outcome> byRcpt = new HashMap<>();
        for (Outcome o : round.outcomes) byRcpt.put(o.recipient(), o);
        int attempt = m.state().attempts() + 1;

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
                case DEFERRED -> RecipientState.PENDING;
            };
            String error = o.result() == Outcome.Result.DELIVERED ? r.lastError() : o.summary();
            Recipient next = new Recipient(r.address(), r.orcpt(), r.notifyOn(), state, r.attempts() + 1, error);
            updated.add(next);
            logAttempt(m, o, o.result().name().toLowerCase(java.util.Locale.ROOT), attempt, round.routes.get(r.address()));
            switch (o.result()) {
                case BOUNCED -> failed.add(new Notices.Notice(next, Notices.Kind.FAILED, o));
                case DELIVERED -> {
                    // RFC 3461 5.2.1: a DSN-capable next hop got NOTIFY/ORCPT and reports success itself; 5.2.2:
                    // only a next hop without DSN leaves a "relayed" report to us (if NOTIFY asked for SUCCESS).
                    if (o.remoteHost() == null) succeeded.add(new Notices.Notice(next, Notices.Kind.DELIVERED, o));
                    else if (!o.dsnPassedOn()) succeeded.add(new Notices.Notice(next, Notices.Kind.RELAYED, o));
                }
                case SUPPRESSED -> { } // dropped as the operator asked: logged, no DSN
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
                    logAttempt(m, expiry, "expired", attempt, round.routes.get(r.address()));
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

        Envelope newEnv = new Envelope(env.sender(), updated, env.received(), env.size(), attrs);
        QueuedMessage settled = new QueuedMessage(m.id(), newEnv,
                new QueueState(false, next, attempt, lastError == null ? m.state().lastError() : lastError));
        // The DSNs are queued before this message's new state is stored: a crash in between repeats a
        // DSN rather than lose one.
        send(settled, Notices.filter(m, failed));
        send(settled, delayed);
        send(settled, Notices.filter(m, succeeded));

        Entry e = index.get(m.id());
        try {
            if (pending) {
                spool.update(m.id(), newEnv, settled.state());
            } else {
                spool.remove(m.id());
            }
        } catch (SpoolException ex) {
            log.error("queue: cannot store the outcome of {}: {}", m.id(), ex.getMessage());
            // The spool still has the previous state: the message will be tried again.
            if (e != null) release(m.id(), e, clock.millis() + 60_000);
            return;
        }
        if (e == null) return;
        if (!pending) {
            index.remove(m.id());
            return;
        }
        long due;
        synchronized (e) {
            due = e.retryRequested ? clock.millis() : next.toEpochMilli();
            e.retryRequested = false;
            e.destinations = destinationsOf(settled);
        }
        release(m.id(), e, due);
    }

    private void send(QueuedMessage m, List<Notices.Notice> list) {
        if (list.isEmpty()) return;
        try {
            notices.send(m, list);
        } catch (RuntimeException ex) {
            log.error("queue: cannot send a DSN for {}: {}", m.id(), ex.toString(), ex);
        }
    }

    private void release(String id, Entry e, long due) {
        synchronized (e) {
            e.busy = false;
            e.due = due;
            if (!e.held) timers.add(new Timer(due, id));
        }
        wake();
    }

    private void logAttempt(QueuedMessage m, Outcome o, String event, int attempt, String route) {
        deliveryLog.publish(new DeliveryEvent.Attempt(clock.instant(), event, m.id(), m.envelope().attributes().get("message_id"),
                m.envelope().sender(), o.recipient(), o.remoteHost(), o.remoteIp(), o.remotePort(), o.tls(),
                o.code(), o.enhancedCode(), o.text(), attempt, o.durationMillis(), m.envelope().size(), route,
                event.equals("delivered") || event.equals("suppressed") ? null
                        : classifier.classify(o.code(), o.enhancedCode(), o.text()),
                o.egress() == null ? null : o.egress().name(), o.egress() == null ? null : o.egress().ip()));
    }

    // ---- operator actions -------------------------------------------------------------------------

    @Override
    public QueueOpResult hold(String id) {
        return act(id, false, (e, m) -> {
            if (e.held) return new QueueOpResult.Done("already held");
            QueueOpResult r = onSpool.hold(m);
            synchronized (e) {
                e.held = true;
                timers.remove(new Timer(e.due, id));
            }
            return r;
        });
    }

    @Override
    public QueueOpResult release(String id) {
        return act(id, false, (e, m) -> {
            if (!e.held) return new QueueOpResult.Done("not held");
            QueueOpResult r = onSpool.release(m, "released");
            synchronized (e) {
                e.held = false;
                e.due = clock.millis();
            }
            return r; // the claim's end adds its timer and wakes the timer
        });
    }

    @Override
    public QueueOpResult retry(String id) {
        Entry e = index.get(id);
        if (e == null) return new QueueOpResult.NotFound();
        synchronized (e) {
            if (e.busy) {
                e.retryRequested = true;
                return new QueueOpResult.Done("being delivered now; will be retried right after");
            }
            if (e.acting) return new QueueOpResult.Busy();
            if (e.held) return new QueueOpResult.Failed("held; release it first");
            timers.remove(new Timer(e.due, id));
            e.due = clock.millis();
            timers.add(new Timer(e.due, id));
        }
        wake();
        return new QueueOpResult.Done("scheduled now");
    }

    @Override
    public QueueOpResult delete(String id) {
        return act(id, true, (e, m) -> {
            QueueOpResult r = onSpool.delete(m);
            index.remove(id);
            timers.remove(new Timer(e.due, id));
            return r;
        });
    }

    /** Bounces every pending recipient now (DSN to the sender) and removes the message. */
    @Override
    public QueueOpResult bounce(String id) {
        return act(id, true, (e, m) -> {
            QueueOpResult r = onSpool.bounce(m);
            index.remove(id);
            timers.remove(new Timer(e.due, id));
            return r;
        });
    }

    private interface Action {
        QueueOpResult apply(Entry e, QueuedMessage m) throws SpoolException;
    }

    /**
     * Runs an operator action on a message that is not in a round. The entry is claimed ({@code acting}) under its
     * monitor and the spool is read and written with no lock held: a RocksDB call is JNI and pins its carrier, so
     * the timer, the counts and other actions must never wait on a monitor held across one. While claimed, the
     * timer skips the entry and other actions answer busy; the claim's end puts its timer back.
     */
    private QueueOpResult act(String id, boolean removes, Action action) {
        Entry e = index.get(id);
        if (e == null) return new QueueOpResult.NotFound();
        synchronized (e) {
            if (e.busy || e.acting) return new QueueOpResult.Busy();
            e.acting = true;
            if (removes && e.freshData != null) { // gives the carry budget back
                carried.addAndGet(-e.freshData.length);
                e.freshData = null;
                e.fresh = null;
            }
        }
        try {
            Optional<QueuedMessage> m = spool.find(id);
            if (m.isEmpty()) {
                index.remove(id, e);
                return new QueueOpResult.NotFound();
            }
            return action.apply(e, m.get());
        } catch (SpoolException ex) {
            return new QueueOpResult.Failed(ex.getMessage());
        } finally {
            synchronized (e) {
                e.acting = false;
                if (index.get(id) == e && !e.held) timers.add(new Timer(e.due, id)); // a timer skipped meanwhile
            }
            wake();
        }
    }

    // ---- views ------------------------------------------------------------------------------------

    /** The interned destination keys of a queued message's pending recipients (for tests); null when not queued. */
    String[] destinationKeys(String id) {
        Entry e = index.get(id);
        return e == null ? null : e.destinations.clone();
    }

    public int size() {
        return index.size();
    }

    /** Messages in delivery rounds right now. */
    public int active() {
        return rounds.get();
    }

    /** True when nothing is queued and nothing is being delivered. */
    public boolean idle() {
        return index.isEmpty() && rounds.get() == 0;
    }

    /** Messages by state: ready (due), scheduled (waiting for a retry), held, and active (in delivery now). */
    public Map<String, Long> countsByState() {
        long ready = 0, scheduled = 0, held = 0, active = 0;
        long now = clock.millis();
        for (Entry e : index.values()) {
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
        for (Entry e : index.values()) {
            for (String d : e.destinations) out.merge(d, 1L, Long::sum);
        }
        return out;
    }

    /** Waiting jobs per destination (for metrics and the dashboard). */
    public Map<String, Integer> waitingByDestination() {
        Map<String, Integer> out = new HashMap<>();
        destinations.forEach((k, q) -> out.put(k, q.waiting() + q.active()));
        return out;
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
        long deadline = System.nanoTime() + grace.toNanos();
        while (rounds.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
