package sluice.queue;

import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.delivery.Destination;
import sluice.delivery.Job;
import sluice.delivery.Outcome;
import sluice.delivery.Transport;
import sluice.shaping.Admission;
import sluice.shaping.Lease;
import sluice.shaping.Shaper;
import sluice.spool.SpoolException;

/**
 * What a destination's worker does with each job of a round: asks shaping, sends with the transport (or hands the
 * job to a drain's peer), and puts the outcomes into the round; the last job of a round settles it ({@link Rounds}).
 */
final class Courier {
    // Logs as the scheduler did before this class was split from it: operators' log lines name the scheduler.
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

    private final Transport transport;
    private final Shaper shaper; // null: every job goes at once (tests of the queue alone)
    private final QueueIndex index;
    private final Rounds rounds;
    private final Clock clock;
    private volatile Transport handover; // a drain's peer: every remote job goes there, unshaped (null: none)

    Courier(Transport transport, Shaper shaper, QueueIndex index, Rounds rounds, Clock clock) {
        this.transport = transport;
        this.shaper = shaper;
        this.index = index;
        this.rounds = rounds;
        this.clock = clock;
    }

    /** See {@link Scheduler#handOver}. */
    void handOver(Transport peer) {
        handover = peer;
    }

    /**
     * One job on a worker: shaping first (a job held back ends here, holding nothing, and its message is due again
     * when shaping said), then the transport, then the outcomes back to shaping and into the round.
     */
    void run(Round.Work w) {
        Job job = w.job();
        Lease lease = Lease.NONE;
        // A handover is not a send to the job's destination: its limits are the peer's to apply when it relays.
        Transport peer = job.destination() instanceof Destination.Local ? null : handover;
        if (shaper != null && peer == null) {
            String id = w.round().message.id();
            Admission a;
            try {
                a = shaper.admit(job, () -> wakeThrottled(id));
            } catch (RuntimeException ex) {
                log.error("queue: shaping {} to {} failed: {}", job.queueId(), job.destination().key(), ex.toString(), ex);
                a = new Admission.Wait(clock.millis() + 60_000, "shaping failed");
            }
            switch (a) {
                case Admission.Wait wait -> {
                    w.round().throttle(wait.untilMillis());
                    if (w.round().remaining.decrementAndGet() == 0) rounds.settle(w.round());
                    return;
                }
                case Admission.Go go -> {
                    job = go.job();
                    lease = go.lease();
                }
            }
        }
        List<Outcome> out;
        long started = System.nanoTime();
        try {
            out = (peer != null ? peer : transport).deliver(job, w.round().data());
        } catch (SpoolException | RuntimeException | Error ex) {
            // an Error too (a StackOverflowError in a parser, an OutOfMemoryError on a huge message): uncaught, the
            // round never settled and the message stayed "active" until a restart
            log.error("queue: delivery of {} to {} failed: {}", job.queueId(), job.destination().key(), ex.toString(), ex);
            long ms = (System.nanoTime() - started) / 1_000_000;
            out = job.recipients().stream().map(r -> new Outcome(r.address(), Outcome.Result.DEFERRED, 451, "4.3.0",
                    "Internal error during delivery", null, null, 0, null, ms)).toList();
        }
        try {
            lease.done(out);
        } catch (RuntimeException ex) {
            log.error("queue: shaping the outcome of {} failed: {}", job.queueId(), ex.toString(), ex);
        }
        for (Outcome o : out) {
            if (o.result() == Outcome.Result.THROTTLED) {
                w.round().throttle(o.throttledUntil());
                continue;
            }
            w.round().routes.put(o.recipient(), job.destination().key());
            w.round().outcomes.add(o);
        }
        if (w.round().remaining.decrementAndGet() == 0) rounds.settle(w.round());
    }

    /** Shaping freed what a held-back message waits for: it is due now (or right after its round, if in one). */
    private void wakeThrottled(String id) {
        QueueIndex.Entry e = index.entries.get(id);
        if (e == null) return;
        long now = clock.millis();
        synchronized (e) {
            // In a round: the wake is kept, and applies only if the round ends held back by shaping (it cannot cut
            // short a retry interval). A job told to wait for a connection is in its round when the slot frees at
            // once (a lease granted by the cluster within a millisecond): dropping the wake left it until the 30 s
            // backstop. Held, acting or already due: nothing to do.
            if (e.busy) {
                e.shapingWoke = true;
                return;
            }
            if (e.held || e.acting || e.due <= now) return;
            index.timers.remove(new QueueIndex.Timer(e.due, id));
            e.due = now;
            index.timers.add(new QueueIndex.Timer(now, id));
        }
        index.wake();
    }
}
