package sluice.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import sluice.spool.SpoolException;

/**
 * One operator action on many messages, {@link #PARALLEL} at a time. One by one, each action waits for its
 * own synced spool write (about a millisecond); in parallel the spool's group commit shares the syncs.
 * Measured: 90,000 deletes took 140 s one request at a time.
 */
public final class BulkActions {
    public static final int PARALLEL = 32;

    private BulkActions() {}

    /** The results in the order of {@code ids}; a spool failure is that message's {@link QueueOpResult.Failed}. */
    public static List<QueueOpResult> apply(QueueControl control, String action, List<String> ids) throws InterruptedException {
        if (!QueueControl.ACTIONS.contains(action)) {
            throw new IllegalArgumentException("unknown action \"" + action + "\" (hold, release, retry, delete, bounce)");
        }
        QueueOpResult[] results = new QueueOpResult[ids.size()];
        AtomicInteger next = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < Math.min(PARALLEL, ids.size()); w++) {
            workers.add(Thread.ofVirtual().name("queue-" + action + "-" + w).start(() -> {
                for (int i; (i = next.getAndIncrement()) < ids.size(); ) {
                    try {
                        results[i] = control.apply(action, ids.get(i));
                    } catch (SpoolException | RuntimeException e) {
                        results[i] = new QueueOpResult.Failed(String.valueOf(e.getMessage()));
                    }
                }
            }));
        }
        for (Thread t : workers) t.join();
        return List.of(results);
    }
}
