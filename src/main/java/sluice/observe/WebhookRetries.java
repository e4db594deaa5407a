package sluice.observe;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When a failed webhook attempt is tried again: Standard Webhooks' schedule (by default 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 10 h after the first, immediate attempt; the last wait repeats), each wait spread by ±20 % so that the
 * events of one outage do not come back at the same instant; a {@code Retry-After} answer (seconds or an HTTP date)
 * replaces the wait, capped at {@link #MAX_RETRY_AFTER}.
 */
final class WebhookRetries {
    static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);
    private static final Duration MIN_RETRY_AFTER = Duration.ofSeconds(1);
    private final List<Duration> schedule;
    private final RandomGenerator random;

    WebhookRetries(List<Duration> schedule, RandomGenerator random) {
        if (schedule.isEmpty()) throw new IllegalArgumentException("empty schedule");
        this.schedule = List.copyOf(schedule);
        this.random = random;
    }

    /** The wait after failed attempt number {@code failures} (1 for the first attempt), jittered. */
    Duration after(int failures, Optional<Duration> retryAfter) {
        if (retryAfter.isPresent()) {
            Duration d = retryAfter.get();
            if (d.compareTo(MIN_RETRY_AFTER) < 0) return MIN_RETRY_AFTER;
            return d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d;
        }
        Duration base = schedule.get(Math.min(Math.max(failures, 1), schedule.size()) - 1);
        double factor = 0.8 + 0.4 * random.nextDouble();
        return Duration.ofMillis(Math.round(base.toMillis() * factor));
    }

    /**
     * A {@code Retry-After} header (RFC 9110 10.2.3): delay-seconds or an HTTP date; empty when absent or not
     * understood (the schedule applies then).
     */
    static Optional<Duration> retryAfter(String header, Instant now) {
        if (header == null) return Optional.empty();
        String v = header.strip();
        if (v.isEmpty()) return Optional.empty();
        if (v.chars().allMatch(Character::isDigit)) {
            if (v.length() > 9) return Optional.of(MAX_RETRY_AFTER.plusSeconds(1));
            return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration d = Duration.between(now, at);
            return Optional.of(d.isNegative() ? Duration.ZERO : d);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
