package sluice.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the human units of the config file: durations ("1h30m") and sizes ("25MiB"). */
public final class Units {
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([A-Za-z]*)");

    private Units() {}

    /**
     * "250ms", "30s", "5m", "1h30m", "5d", or digits alone meaning seconds.
     *
     * @throws IllegalArgumentException with a message fit for the user
     */
    public static Duration duration(String text) {
        String s = text.strip();
        if (s.matches("\\d+")) return Duration.ofSeconds(parseLong(s, text));
        Matcher m = DURATION_PART.matcher(s);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = parseLong(m.group(1), text);
            try {
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("duration too large (got \"" + text + "\")");
            }
            end = m.end();
        }
        if (end == 0 || end != s.length()) {
            throw new IllegalArgumentException(
                    "must be a duration like \"30s\", \"5m\", \"1h30m\", \"5d\" or \"250ms\" (got \"" + text + "\")");
        }
        return total;
    }

    /**
     * Bytes from "26214400", "512KiB", "25MiB", "10MB" (SI: 10,000,000), "1.5GiB". Units are
     * case-insensitive; fractions are rounded down to whole bytes.
     *
     * @throws IllegalArgumentException with a message fit for the user
     */
    static long size(String text) {
        Matcher m = SIZE.matcher(text.strip());
        long unit = m.matches() ? unit(m.group(2)) : -1;
        if (unit < 0) {
            throw new IllegalArgumentException(
                    "must be a size in bytes or like \"512KiB\", \"25MiB\", \"10MB\", \"1GiB\" (got \"" + text + "\")");
        }
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit));
        try {
            return bytes.toBigInteger().longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("size too large (got \"" + text + "\")");
        }
    }

    private static long unit(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1;
            case "k", "kib" -> 1L << 10;
            case "m", "mib" -> 1L << 20;
            case "g", "gib" -> 1L << 30;
            case "t", "tib" -> 1L << 40;
            case "kb" -> 1_000L;
            case "mb" -> 1_000_000L;
            case "gb" -> 1_000_000_000L;
            case "tb" -> 1_000_000_000_000L;
            default -> -1;
        };
    }

    private static long parseLong(String digits, String text) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("number too large (got \"" + text + "\")");
        }
    }
}
