package sluice.queue;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import sluice.delivery.Job;
import sluice.delivery.Outcome;
import sluice.spool.QueuedMessage;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/** One message's delivery round: its jobs run concurrently; the last to finish settles the message. */
final class Round {
    /** One job of a round, as it waits in a destination's ready queue. */
    record Work(Round round, Job job) {}

    final QueuedMessage message;
    final AtomicInteger remaining;
    final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    final Map<String, String> routes = new ConcurrentHashMap<>();
    // The earliest time shaping said a held-back job may be tried (epoch millis), or Long.MAX_VALUE.
    final AtomicLong throttledUntil = new AtomicLong(Long.MAX_VALUE);
    private final Spool spool;

    void throttle(long until) {
        throttledUntil.accumulateAndGet(until, Math::min);
    }
    // The data, read once for all the round's jobs. The first job to need it reads it; the others wait on the
    // future, not on a lock held across the (JNI) read.
    private final AtomicReference<CompletableFuture<byte[]>> data = new AtomicReference<>();

    Round(Spool spool, QueuedMessage message, int jobs, byte[] carried) {
        this.spool = spool;
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
        } catch (CompletionException ex) {
            if (ex.getCause() instanceof SpoolException se) throw se;
            throw ex;
        }
    }
}
