package sluice.queue;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The ready queue of one destination: jobs wait here in arrival order and at most {@code limit} workers
 * (virtual threads, one connection each) take them, so one slow destination never holds up another.
 */
final class DestinationQueue<W> {
    private final String key;
    private final int limit;
    private final Consumer<W> worker;
    private final ConcurrentLinkedQueue<W> ready = new ConcurrentLinkedQueue<>();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();

    DestinationQueue(String key, int limit, Consumer<W> worker) {
        this.key = key;
        this.limit = limit;
        this.worker = worker;
    }

    void offer(W work) {
        ready.add(work);
        waiting.incrementAndGet();
        startWorkers();
    }

    private void startWorkers() {
        while (!ready.isEmpty()) {
            int a = active.get();
            if (a >= limit) return;
            if (active.compareAndSet(a, a + 1)) {
                Thread.ofVirtual().name("deliver-" + key).start(this::drain);
            }
        }
    }

    private void drain() {
        try {
            W w;
            while ((w = ready.poll()) != null) {
                waiting.decrementAndGet();
                worker.accept(w);
            }
        } finally {
            active.decrementAndGet();
        }
        if (!ready.isEmpty()) startWorkers(); // offered between our last poll and the decrement
    }

    String key() {
        return key;
    }

    int waiting() {
        return waiting.get();
    }

    int active() {
        return active.get();
    }
}
