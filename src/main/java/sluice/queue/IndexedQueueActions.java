package sluice.queue;

import java.time.Clock;
import java.util.Optional;
import sluice.spool.QueuedMessage;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * Operator actions (hold, release, retry, delete, bounce) on a running scheduler's queue: the spool half is
 * {@link QueueActions}, this adds the index's half (held flags, timers, removal) so that the timer and the actions
 * agree. A message in a delivery round answers {@link QueueOpResult.Busy} (retry instead asks for a new round
 * right after it).
 */
final class IndexedQueueActions implements QueueControl {
    private final Spool spool;
    private final QueueIndex index;
    private final QueueActions onSpool; // the spool half of the operator actions
    private final Clock clock;

    IndexedQueueActions(Spool spool, QueueIndex index, QueueActions onSpool, Clock clock) {
        this.spool = spool;
        this.index = index;
        this.onSpool = onSpool;
        this.clock = clock;
    }

    @Override
    public QueueOpResult hold(String id) {
        return act(id, false, (e, m) -> {
            if (e.held) return new QueueOpResult.Done("already held");
            QueueOpResult r = onSpool.hold(m);
            synchronized (e) {
                e.held = true;
                index.timers.remove(new QueueIndex.Timer(e.due, id));
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
        QueueIndex.Entry e = index.entries.get(id);
        if (e == null) return new QueueOpResult.NotFound();
        synchronized (e) {
            if (e.busy) {
                e.retryRequested = true;
                return new QueueOpResult.Done("being delivered now; will be retried right after");
            }
            if (e.acting) return new QueueOpResult.Busy();
            if (e.held) return new QueueOpResult.Failed("held; release it first");
            index.timers.remove(new QueueIndex.Timer(e.due, id));
            e.due = clock.millis();
            index.timers.add(new QueueIndex.Timer(e.due, id));
        }
        index.wake();
        return new QueueOpResult.Done("scheduled now");
    }

    /** {@link #retry} of every message not held; the number made due (or due again right after its round). */
    int retryAll() {
        int n = 0;
        for (String id : index.entries.keySet()) {
            if (retry(id) instanceof QueueOpResult.Done) n++;
        }
        return n;
    }

    @Override
    public QueueOpResult delete(String id) {
        return removing(id, onSpool::delete);
    }

    /** Bounces every pending recipient now (DSN to the sender) and removes the message. */
    @Override
    public QueueOpResult bounce(String id) {
        return removing(id, onSpool::bounce);
    }

    /** An action that ends with the message gone from the spool, so from the index and its timers too. */
    private QueueOpResult removing(String id, SpoolStep step) {
        return act(id, true, (e, m) -> {
            QueueOpResult r = step.apply(m);
            index.entries.remove(id);
            index.timers.remove(new QueueIndex.Timer(e.due, id));
            return r;
        });
    }

    private interface SpoolStep {
        QueueOpResult apply(QueuedMessage m) throws SpoolException;
    }

    private interface Action {
        QueueOpResult apply(QueueIndex.Entry e, QueuedMessage m) throws SpoolException;
    }

    /**
     * Runs an operator action on a message that is not in a round. The entry is claimed ({@code acting}) under its
     * monitor and the spool is read and written with no lock held: a RocksDB call is JNI and pins its carrier, so
     * the timer, the counts and other actions must never wait on a monitor held across one. While claimed, the
     * timer skips the entry and other actions answer busy; the claim's end puts its timer back.
     */
    private QueueOpResult act(String id, boolean removes, Action action) {
        QueueIndex.Entry e = index.entries.get(id);
        if (e == null) return new QueueOpResult.NotFound();
        synchronized (e) {
            if (e.busy || e.acting) return new QueueOpResult.Busy();
            e.acting = true;
            if (removes && e.freshData != null) { // gives the carry budget back
                index.carried.addAndGet(-e.freshData.length);
                e.freshData = null;
                e.fresh = null;
            }
        }
        try {
            Optional<QueuedMessage> m = spool.find(id);
            if (m.isEmpty()) {
                index.entries.remove(id, e);
                return new QueueOpResult.NotFound();
            }
            return action.apply(e, m.get());
        } catch (SpoolException ex) {
            return new QueueOpResult.Failed(ex.getMessage());
        } finally {
            synchronized (e) {
                e.acting = false;
                // a timer skipped meanwhile
                if (index.entries.get(id) == e && !e.held) index.timers.add(new QueueIndex.Timer(e.due, id));
            }
            index.wake();
        }
    }
}
