package sluice.config;

import java.time.Duration;

/**
 * A rate such as {@code "100/s"}, {@code "600/min"} or {@code "20000/h"}: {@code count} events per {@code per}.
 */
public record Rate(long count, Duration per) {
    public Rate {
        if (count < 1) throw new IllegalArgumentException("a rate counts at least 1 event");
        if (per.isNegative() || per.isZero()) throw new IllegalArgumentException("a rate's period must be positive");
    }

    /** Events per second. */
    public double perSecond() {
        return count * 1e9 / per.toNanos();
    }

    /** The spacing of events at this rate, in nanoseconds. */
    public long intervalNanos() {
        return Math.max(1, per.toNanos() / count);
    }

    /** "100/s", "600/min", "20000/h", "50/d" (also "second", "minute", "hour", "day"). */
    public static Rate parse(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0) throw new IllegalArgumentException("must be a rate such as \"100/s\", \"600/min\" or \"20000/h\" (got \"" + text + "\")");
        long n;
        try {
            n = Long.parseLong(text.substring(0, slash).strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must start with a whole number of events, as in \"100/s\" (got \"" + text + "\")");
        }
        if (n < 1 || n > 1_000_000_000L) throw new IllegalArgumentException("must count 1 to 1000000000 events (got \"" + text + "\")");
        Duration per = switch (text.substring(slash + 1).strip().toLowerCase(java.util.Locale.ROOT)) {
            case "s", "sec", "second" -> Duration.ofSeconds(1);
            case "m", "min", "minute" -> Duration.ofMinutes(1);
            case "h", "hour" -> Duration.ofHours(1);
            case "d", "day" -> Duration.ofDays(1);
            default -> throw new IllegalArgumentException("must end in /s, /min, /h or /d (got \"" + text + "\")");
        };
        return new Rate(n, per);
    }

    @Override
    public String toString() {
        String unit = per.equals(Duration.ofSeconds(1)) ? "s" : per.equals(Duration.ofMinutes(1)) ? "min"
                : per.equals(Duration.ofHours(1)) ? "h" : per.equals(Duration.ofDays(1)) ? "d" : per.toSeconds() + "s";
        return count + "/" + unit;
    }
}
