package sluice.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * When to try a deferred message again and when to give up: the configured schedule (its last interval
 * repeats) with ±10% jitter so that messages deferred together do not return together, never past the
 * queue lifetime, whose end is one last attempt.
 */
public record RetryPolicy(List<Duration> schedule, Duration maxLifetime, Duration delayWarning) {
    public RetryPolicy {
        schedule = List.copyOf(schedule);
        if (schedule.isEmpty()) throw new IllegalArgumentException("a retry schedule needs at least one interval");
    }

    /** The interval after the {@code attempts}-th failed attempt (1-based). */
    public Duration interval(int attempts) {
        return schedule.get(Math.min(Math.max(attempts, 1), schedule.size()) - 1);
    }

    /** The next attempt after {@code attempts} failed ones, or null when the lifetime is over. */
    public Instant next(Instant received, Instant now, int attempts, RandomGenerator random) {
        Instant expires = received.plus(maxLifetime);
        if (!now.isBefore(expires)) return null;
        long base = interval(attempts).toMillis();
        long jitter = base / 10 == 0 ? 0 : random.nextLong(-base / 10, base / 10 + 1);
        Instant next = now.plusMillis(Math.max(1000, base + jitter));
        return next.isAfter(expires) ? expires : next;
    }

    public boolean expired(Instant received, Instant now) {
        return !now.isBefore(received.plus(maxLifetime));
    }

    /** Whether a delay warning is due (warnings off when {@code delayWarning} is zero or null). */
    public boolean warningDue(Instant received, Instant now) {
        return delayWarning != null && !delayWarning.isZero() && !now.isBefore(received.plus(delayWarning));
    }
}
