package sluice.node;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.admin.DrainPage;
import sluice.config.DeliveryConfig;
import sluice.delivery.Handover;
import sluice.delivery.Timeouts;
import sluice.observe.DeliveryEvent;
import sluice.observe.EventSink;
import sluice.queue.Scheduler;
import sluice.server.Server;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * Takes the node out of a fleet without losing mail ({@code sluice drain}, {@code POST /api/v1/drain}): the
 * listeners stop accepting (sessions in flight finish, their messages are queued), every queued message not held is
 * due now, and when nothing is left to deliver (held messages stay, and are not waited for) or the timeout passes,
 * {@link #ended()} completes and the node is stopped the way SIGTERM stops it. With a handover peer, what is still
 * queued at the timeout (or at once) is relayed to it and leaves this spool only on its 250.
 *
 * <p>One thread watches the queue once a {@link #POLL}; the send API asks {@link #status()} on each request.
 */
final class Drain implements DrainPage.Source, EventSink {
    private static final Logger log = LoggerFactory.getLogger(Drain.class);
    static final Duration POLL = Duration.ofMillis(250);

    private final Server server;
    private final Scheduler scheduler; // null: delivery paused
    private final Spool spool;
    private final DeliveryConfig delivery;
    private final String hostname;
    private final Clock clock;
    private final CompletableFuture<DrainPage.Status> ended = new CompletableFuture<>();
    // Messages with a recipient delivered (or handed over) since the drain started: ids, so a message counts once.
    private final Set<String> delivered = ConcurrentHashMap.newKeySet();
    private final Set<String> handedOver = ConcurrentHashMap.newKeySet();

    private volatile Instant since; // guarded by this for writes
    private volatile Instant timeoutAt;
    private volatile DrainPage.Request request;
    private volatile boolean handingOver;
    private volatile Handover handover;
    private volatile DrainPage.Status last = DrainPage.Status.IDLE;
    private volatile boolean closed; // the node stopped (a SIGTERM during the drain): stop watching
    private Thread watcher;

    Drain(Server server, Scheduler scheduler, Spool spool, DeliveryConfig delivery, String hostname, Clock clock) {
        this.server = server;
        this.scheduler = scheduler;
        this.spool = spool;
        this.delivery = delivery;
        this.hostname = hostname;
        this.clock = clock;
    }

    /** Completes with the final state when the drain ends; the node's owner then stops it. */
    CompletableFuture<DrainPage.Status> ended() {
        return ended;
    }

    @Override
    public DrainPage.Status status() {
        return since == null || ended.isDone() ? last : look(null, null);
    }

    @Override
    public boolean draining() {
        return since != null;
    }

    @Override
    public synchronized DrainPage.Status start(DrainPage.Request r) {
        if (since != null) return status();
        if (r.handover() != null && scheduler == null) {
            throw new IllegalStateException("delivery is paused ([delivery] paused = true): nothing can be handed over");
        }
        request = r;
        timeoutAt = clock.instant().plus(r.timeout());
        since = clock.instant();
        server.stopAccepting();
        // Handing over at once: the peer is in place before anything is made due, so each message is offered once.
        if (r.handoverNow()) install();
        int due = scheduler == null ? 0 : scheduler.retryAll();
        DrainPage.Status s = look(null, null);
        log.info("drain started: listeners closed, {} message(s) queued ({} due now, {} held: held messages stay on this"
                        + " spool), timeout {}{}", s.queued(), due, s.held(), shown(r.timeout()),
                r.handover() == null ? "" : ", handover to " + r.handover().host() + ":" + r.handover().port()
                        + (r.handoverNow() ? " now" : " at the timeout"));
        if (r.handoverNow()) log.info("drain: handing {} message(s) over to {}", due, handover.peer());
        watcher = Thread.ofPlatform().name("drain").daemon(true).start(this::watch);
        return s;
    }

    private void watch() {
        try {
            while (!closed) {
                DrainPage.Status s = look(null, null);
                long pending = s.queued() - s.held();
                boolean timedOut = !clock.instant().isBefore(timeoutAt);
                if (scheduler == null) {
                    finish("delivery paused");
                    return;
                }
                if (pending == 0 && s.transactionsInFlight() == 0) {
                    finish(handingOver ? "handover done" : "queue empty");
                    return;
                }
                if (handingOver) {
                    // every message has had its handover attempt: what the peer refused waits for its next retry
                    Map<String, Long> by = scheduler.countsByState();
                    if (by.get("ready") + by.get("active") == 0 && s.transactionsInFlight() == 0) {
                        finish("handover done");
                        return;
                    }
                } else if (timedOut) {
                    if (request.handover() == null) {
                        finish("timeout");
                        return;
                    }
                    handOver();
                }
                Thread.sleep(POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("drain: {}", e.toString(), e);
            finish("failed: " + e.getMessage());
        }
    }

    /** "10m", "1h30m", "90s" rather than ISO-8601's "PT10M". */
    private static String shown(Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    /** At the timeout: the peer takes every remote job from now on, and everything queued is due now. */
    private void handOver() {
        install();
        int due = scheduler.retryAll();
        log.info("drain: timeout; handing {} message(s) over to {}", due, handover.peer());
    }

    private void install() {
        handover = new Handover(request.handover(), delivery, hostname,
                delivery.replyTimeout() == null ? Timeouts.rfc5321() : Timeouts.uniform(delivery.replyTimeout()), clock);
        scheduler.handOver(handover);
        handingOver = true;
    }

    private void finish(String why) {
        DrainPage.Status s = look(clock.instant(), why);
        last = s;
        long left = s.queued();
        log.info("drain ended ({}): {} message(s) delivered{}, {} left queued on this node's spool{}", why,
                s.delivered(), handover == null ? "" : " (" + s.handedOver() + " handed over to " + handover.peer() + ")",
                left, s.held() == 0 ? "" : " (" + s.held() + " held)");
        ended.complete(s);
    }

    /** Stops watching and closes the handover's connections (the node calls it when it stops). */
    synchronized void close() {
        closed = true;
        if (watcher != null) watcher.interrupt();
        if (handover != null) {
            scheduler.handOver(null);
            handover.close();
        }
    }

    private DrainPage.Status look(Instant end, String why) {
        long queued, held;
        if (scheduler != null) {
            Map<String, Long> by = scheduler.countsByState();
            queued = by.values().stream().mapToLong(Long::longValue).sum();
            held = by.get("held");
        } else {
            try {
                queued = spool.count();
            } catch (SpoolException e) {
                queued = -1;
            }
            held = 0;
        }
        String phase = end != null ? "ended" : handingOver ? "handing_over" : "delivering";
        DrainPage.Request r = request;
        String peer = r == null || r.handover() == null ? null
                : r.handover().host().contains(":") ? "[" + r.handover().host() + "]:" + r.handover().port()
                : r.handover().host() + ":" + r.handover().port();
        return new DrainPage.Status(since, phase, timeoutAt, peer, queued, held, delivered.size(), handedOver.size(),
                server.transactionsInFlight(), end, why);
    }

    @Override
    public void publish(DeliveryEvent event) {
        if (since == null || !(event instanceof DeliveryEvent.Attempt a) || !a.event().equals("delivered")) return;
        delivered.add(a.queueId());
        if (a.text() != null && a.text().startsWith("handed over to ")) handedOver.add(a.queueId());
    }
}
