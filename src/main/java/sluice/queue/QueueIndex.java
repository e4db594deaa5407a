package sluice.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import com.github.benmanes.caffeine.cache.Interner;
import sluice.delivery.Router;
import sluice.spool.QueuedMessage;
import sluice.spool.Recipient;
import sluice.spool.RecipientState;

/**
 * The scheduler's small in-memory picture of the queue, shared by its parts (dispatch in {@link Scheduler}, shaping's
 * wake-ups in {@link Courier}, {@link Settlement} of rounds, and the {@link IndexedQueueActions operator actions}):
 * one entry per queued message, the timers ordered by due time, and the wake-up the timer thread waits on. An
 * entry's fields are read and written under its own monitor, never across a spool (RocksDB) call.
 */
final class QueueIndex {
    static final class Entry {
        long due; // epoch millis; meaningful when !held
        boolean held;
        boolean busy;
        boolean retryRequested; // retry asked while busy: due now after the round
        boolean shapingWoke;    // shaping freed what it waits for while it was in a round: a throttled due is now
        boolean acting;         // an operator action is reading or writing it in the spool (no lock held meanwhile)
        String[] destinations = NO_DESTINATIONS; // where its pending recipients go (interned keys)
        QueuedMessage fresh;   // a just-accepted message as stored, until its first round (saves reading it back)
        byte[] freshData;      // its data, when the carry budget allowed
    }

    record Timer(long due, String id) implements Comparable<Timer> {
        public int compareTo(Timer o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : id.compareTo(o.id);
        }
    }

    /** Bytes of just-accepted message data kept for their first round; beyond it, data is read from the spool. */
    static final long CARRY_BUDGET = 64L << 20;
    final AtomicLong carried = new AtomicLong();

    private static final String[] NO_DESTINATIONS = new String[0];
    // Destination keys are shared by many entries, so they are interned; weakly, because the set of domains ever
    // seen is unbounded (a bulk sender meets millions): a key goes once no queued message refers to it.
    private final Interner<String> keys = Interner.newWeakInterner();

    final ConcurrentHashMap<String, Entry> entries;
    final ConcurrentSkipListSet<Timer> timers = new ConcurrentSkipListSet<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Router router;

    /** @param expected about how many messages the spool holds: the table is sized once instead of doubling its way up */
    QueueIndex(Router router, long expected) {
        this.router = router;
        this.entries = new ConcurrentHashMap<>((int) Math.min(1 << 26, Math.max(16, expected + expected / 8)));
    }

    String[] destinationsOf(QueuedMessage m) {
        List<String> pending = new ArrayList<>();
        for (Recipient r : m.envelope().recipients()) {
            if (r.state() == RecipientState.PENDING) pending.add(r.address());
        }
        return destinationsOf(pending);
    }

    /** Where the pending recipients {@code addresses} go, each destination once. */
    String[] destinationsOf(List<String> addresses) {
        // A message has few destinations: a linear look for duplicates beats a set (this runs 1M times at a restart).
        String[] out = new String[addresses.size()];
        int n = 0;
        next:
        for (String a : addresses) {
            String k = keys.intern(router.route(a).key());
            for (int i = 0; i < n; i++) {
                if (out[i] == k) continue next; // interned: the same key is the same object
            }
            out[n++] = k;
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /** Makes the timer look again (after the clock moved, in tests, or when something became due). */
    void wake() {
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The timer thread's wait: up to {@code millis}, or until {@link #wake()}. */
    void await(long millis) throws InterruptedException {
        lock.lock();
        try {
            if (millis > 0) wake.await(millis, TimeUnit.MILLISECONDS);
        } finally {
            lock.unlock();
        }
    }

    /** A round or a failed read ended: the entry is free again and due at {@code due}. */
    void release(String id, Entry e, long due) {
        release(id, e, due, Long.MAX_VALUE);
    }

    /**
     * As {@link #release(String, Entry, long)}; {@code dueIfWoken}: when it is due instead if shaping woke it while
     * the round ran ({@code Long.MAX_VALUE}: the due is a retry, which a wake never shortens). Decided under the
     * entry's lock together with the end of the round, so that no wake falls between the two and is lost.
     */
    void release(String id, Entry e, long due, long dueIfWoken) {
        synchronized (e) {
            if (e.shapingWoke) due = Math.min(due, dueIfWoken);
            e.shapingWoke = false;
            e.busy = false;
            e.due = due;
            if (!e.held) timers.add(new Timer(due, id));
        }
        wake();
    }
}
