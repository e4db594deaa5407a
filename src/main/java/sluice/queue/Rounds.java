package sluice.queue;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery rounds in flight: at most {@code maxInFlight} at once (a slot is taken before a due message is
 * dispatched), which bounds the memory a backlog can take; counted for {@link Scheduler#active()} and for a
 * closing scheduler to wait on; and each finished one handed to {@link Settlement}, its slot given back.
 */
final class Rounds {
    // Logs as the scheduler did before this class was split from it: operators' log lines name the scheduler.
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

    private final Settlement settlement;
    private final Semaphore inFlight;
    private final AtomicInteger rounds = new AtomicInteger();

    Rounds(Settlement settlement, int maxInFlight) {
        this.settlement = settlement;
        this.inFlight = new Semaphore(maxInFlight);
    }

    /** Waits for a free slot, to dispatch a due message in. */
    void acquire() throws InterruptedException {
        inFlight.acquire();
    }

    /** Gives back a slot that no round took (there was nothing to start). */
    void unused() {
        inFlight.release();
    }

    /** A round started in the slot taken by {@link #acquire}; {@link #settle} ends it. */
    void begun() {
        rounds.incrementAndGet();
    }

    /** Hands a finished round to {@link Settlement}; whatever happens there, the round's slot is given back. */
    void settle(Round round) {
        try {
            long throttled = round.throttledUntil.get();
            if (throttled != Long.MAX_VALUE && round.outcomes.isEmpty()) {
                settlement.settleThrottled(round.message, throttled);
            } else {
                settlement.settle(round.message, round.outcomes, round.routes, throttled);
            }
        } catch (RuntimeException ex) {
            log.error("queue: settling {} failed: {}", round.message.id(), ex.toString(), ex);
        } finally {
            rounds.decrementAndGet();
            inFlight.release();
        }
    }

    /** Rounds in flight right now. */
    int active() {
        return rounds.get();
    }

    /** Waits (up to {@code grace}) for the rounds in flight to settle; returns early, interrupted, if interrupted. */
    void awaitSettled(Duration grace) {
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
