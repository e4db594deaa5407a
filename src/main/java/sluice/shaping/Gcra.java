package sluice.shaping;

/**
 * The generic cell rate algorithm for one rate: events are spaced {@code interval} apart, with a burst of
 * {@code burst} events allowed at once. Each request reserves the next free slot and says when it is; a slot not
 * later than now means "go". Not thread-safe: its {@link Lane} guards it.
 */
final class Gcra {
    private long intervalNanos;
    private long toleranceNanos;
    private long tat = Long.MIN_VALUE; // theoretical arrival time of the next event, nanos on the lane's clock

    Gcra(long intervalNanos, int burst) {
        setInterval(intervalNanos, burst);
    }

    void setInterval(long intervalNanos, int burst) {
        this.intervalNanos = Math.max(1, intervalNanos);
        this.toleranceNanos = this.intervalNanos * (Math.max(1, burst) - 1L);
    }

    long intervalNanos() {
        return intervalNanos;
    }

    /** Takes the next slot and returns its time: {@code <= now} when the event may happen now. */
    long reserve(long now) {
        long base = tat == Long.MIN_VALUE ? now : Math.max(tat, now);
        long slot = tat == Long.MIN_VALUE ? now : Math.max(now, tat - toleranceNanos);
        tat = base + intervalNanos;
        return slot;
    }

    /** The time of the next slot without taking it. */
    long next(long now) {
        return tat == Long.MIN_VALUE ? now : Math.max(now, tat - toleranceNanos);
    }

    /** Forgets what was reserved: the next event may happen one interval from now (after a rate change). */
    void restart(long now) {
        tat = now + intervalNanos;
    }
}
