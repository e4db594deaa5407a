package sluice.queue;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import sluice.delivery.Destination;

/**
 * The scheduler's per-destination ready queues ({@link DestinationQueue}), made on a destination's first job and
 * given back by {@link #dropIdle} once nothing waits and nobody works there.
 */
final class ReadyQueues {
    private final ConcurrentHashMap<String, DestinationQueue<Round.Work>> destinations = new ConcurrentHashMap<>();
    private final int connectionsPerDestination;
    private final Consumer<Round.Work> worker;

    /** @param worker runs one job on one of a destination's workers */
    ReadyQueues(int connectionsPerDestination, Consumer<Round.Work> worker) {
        this.connectionsPerDestination = connectionsPerDestination;
        this.worker = worker;
    }

    void offer(Destination d, Round.Work work) {
        queueFor(d).offer(work);
    }

    private DestinationQueue<Round.Work> queueFor(Destination d) {
        return destinations.computeIfAbsent(d.key(),
                k -> new DestinationQueue<>(k, connectionsPerDestination, worker));
    }

    /**
     * Destinations with nothing waiting and nobody working give their queue back (a queue that gets work after this
     * check still runs it: offering starts a worker).
     */
    void dropIdle() {
        destinations.forEach((k, q) -> {
            if (q.waiting() == 0 && q.active() == 0) destinations.remove(k, q);
        });
    }

    /** Waiting jobs per destination (for metrics and the dashboard). */
    Map<String, Integer> waitingByDestination() {
        Map<String, Integer> out = new HashMap<>();
        destinations.forEach((k, q) -> out.put(k, q.waiting() + q.active()));
        return out;
    }
}
