package sluice.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sluice.config.Config;
import sluice.config.ConfigException;
import sluice.observe.HealthCheck;
import sluice.observe.HealthCheck.Finding;
import sluice.observe.HealthCheck.State;

/**
 * {@code sluice check}: a Monitoring Plugins (Nagios/Icinga) check. One line, {@code SLUICE STATE - summary | perfdata},
 * exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. This parses the thresholds and prints; {@link HealthCheck} measures.
 */
@Command(name = "check", description = "Monitoring Plugins (Nagios/Icinga) check: one status line with perfdata; "
        + "exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.")
final class CheckCommand implements Callable<Integer> {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(s|m|h|d)?");

    @Mixin Options options;

    @Option(names = "--queue-warning", paramLabel = "N", defaultValue = "1000", description = "queued messages (default 1000)")
    long queueWarning;
    @Option(names = "--queue-critical", paramLabel = "N", defaultValue = "10000", description = "(default 10000)")
    long queueCritical;
    @Option(names = "--oldest-warning", paramLabel = "DUR", defaultValue = "1h",
            description = "age of the oldest attempted, still pending message (default 1h)")
    String oldestWarning;
    @Option(names = "--oldest-critical", paramLabel = "DUR", defaultValue = "4h", description = "(default 4h)")
    String oldestCritical;
    @Option(names = "--bounce-warning", paramLabel = "PCT", defaultValue = "3",
            description = "failed / finished remote deliveries over the last hour, in percent; operator bounces do not count (default 3)")
    double bounceWarning;
    @Option(names = "--bounce-critical", paramLabel = "PCT", defaultValue = "10", description = "(default 10)")
    double bounceCritical;
    @Option(names = "--cert-warning", paramLabel = "DAYS", defaultValue = "14",
            description = "days until the TLS certificate expires (default 14)")
    long certWarning;
    @Option(names = "--cert-critical", paramLabel = "DAYS", defaultValue = "3", description = "(default 3)")
    long certCritical;
    @Option(names = "--warning", paramLabel = "KEY=VALUE", split = ",",
            description = "warning thresholds in one option, e.g. queue=500,oldest=30m,bounce=2,cert=21 (CONTRACT.md form)")
    List<String> warning = new ArrayList<>();
    @Option(names = "--critical", paramLabel = "KEY=VALUE", split = ",",
            description = "critical thresholds in one option, e.g. queue=5000,oldest=2h,bounce=8,cert=5")
    List<String> critical = new ArrayList<>();

    /** Applies --warning/--critical KEY=VALUE lists over the per-metric options. */
    private void applyThresholds(List<String> list, boolean warn) {
        for (String item : list) {
            int eq = item.indexOf('=');
            String key = eq < 0 ? item : item.substring(0, eq).strip();
            String value = eq < 0 ? "" : item.substring(eq + 1).strip();
            try {
                switch (key) {
                    case "queue" -> { if (warn) queueWarning = Long.parseLong(value); else queueCritical = Long.parseLong(value); }
                    case "oldest" -> { if (warn) oldestWarning = value; else oldestCritical = value; }
                    case "bounce" -> { if (warn) bounceWarning = Double.parseDouble(value); else bounceCritical = Double.parseDouble(value); }
                    case "cert" -> { if (warn) certWarning = Long.parseLong(value); else certCritical = Long.parseLong(value); }
                    default -> throw new IllegalArgumentException("unknown threshold \"" + key
                            + "\" (queue, oldest, bounce, cert)");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + (warn ? "warning" : "critical") + " " + key + ": not a number: " + value);
            }
        }
    }

    @Override
    public Integer call() {
        List<Finding> findings;
        try {
            applyThresholds(warning, true);
            applyThresholds(critical, false);
            Config config = options.load();
            HealthCheck.Thresholds t = new HealthCheck.Thresholds(queueWarning, queueCritical,
                    duration("--oldest-warning", oldestWarning), duration("--oldest-critical", oldestCritical),
                    bounceWarning, bounceCritical, certWarning, certCritical);
            findings = HealthCheck.run(config, t, Instant.now());
        } catch (ConfigException e) {
            return unknown(e.errors().isEmpty() ? "configuration error" : e.errors().get(0).toString());
        } catch (Exception e) {
            if (options.debug) e.printStackTrace();
            return unknown(sluice.observe.FailureText.of(e));
        }
        System.out.println(HealthCheck.statusLine(findings));
        return HealthCheck.worst(findings).ordinal();
    }

    static int unknown(String reason) {
        System.out.println("SLUICE UNKNOWN - " + reason.replace('\n', ' ').replace('|', '/'));
        return State.UNKNOWN.ordinal();
    }

    static Duration duration(String option, String text) {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches()) throw new Failures.UserError(3, option + ": not a duration like 30m, 1h, 2d (got \"" + text + "\")");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "s" : m.group(2)) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofSeconds(n);
        };
    }
}
