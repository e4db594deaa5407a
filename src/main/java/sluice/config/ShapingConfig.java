package sluice.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Provider-aware shaping: the {@code [[shaping]]} rules of the file, then (unless {@code [egress] shaping_defaults =
 * false}) the shipped rules for the large providers, and the {@code [warmup.NAME]} schedules.
 *
 * @param rules   in order, first match wins: the file's rules, then the shipped ones
 * @param window  adaptive backoff's window ({@code [egress] shaping_window}, default 60 s): each clean window
 *                raises a backed-off lane by a step; tests shorten it to see recovery in seconds
 */
public record ShapingConfig(List<Rule> rules, Map<String, Warmup> warmups, Duration window) {
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(60);
    public static final ShapingConfig NONE = new ShapingConfig(List.of(), Map.of());

    public ShapingConfig {
        rules = List.copyOf(rules);
        warmups = Map.copyOf(warmups);
        if (window == null) window = DEFAULT_WINDOW;
    }

    public ShapingConfig(List<Rule> rules, Map<String, Warmup> warmups) {
        this(rules, warmups, DEFAULT_WINDOW);
    }

    /**
     * One rule.
     *
     * @param match                   a recipient domain ("example.com"), "mx:SUFFIX" (every domain whose MX hosts
     *                                end in SUFFIX), or "*" (every other domain, each its own group)
     * @param group                   the name shown in logs, metrics and the API (for "*": null, the domain is)
     * @param maxConnections          per egress source; 0: no limit of its own
     * @param maxMessagesPerConnection 0: no limit of its own
     * @param messageRate             per egress source, or null
     * @param connectionRate          new connections per egress source, or null
     * @param tls                     "required", "opportunistic", or null (the [delivery] policy)
     * @param backoff                 adaptive: rate-limit replies lower rate and connections, clean windows raise them
     * @param suspendFor              how long a reputation block takes the source out for the group
     * @param origin                  where the rule came from ("sluice.toml:40", "shipped defaults:12"), for the API
     */
    public record Rule(String match, String group, int maxConnections, int maxMessagesPerConnection, Rate messageRate,
                       Rate connectionRate, String tls, boolean backoff, Duration suspendFor, String origin) {
        public boolean byMx() {
            return match.startsWith("mx:");
        }

        public boolean catchAll() {
            return match.equals("*");
        }

        /** The MX suffix of an "mx:" rule, lower case, with its leading dot if written with one. */
        public String mxSuffix() {
            return match.substring(3);
        }
    }

    /**
     * A warm-up schedule: messages per day per destination group; after the last day, no cap.
     *
     * @param advance "used": a day counts only when at least 80% of its cap was used; "calendar": every day counts
     */
    public record Warmup(String name, List<Integer> daily, String advance) {
        public Warmup {
            daily = List.copyOf(daily);
        }
    }
}
