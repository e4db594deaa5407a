package sluice.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * One {@code [[webhooks]]} endpoint.
 *
 * @param events             the event types it receives (subset of {@link #EVENTS})
 * @param secretFile         "whsec_" + base64; generated (0600) when absent
 * @param previousSecretFile during a rotation, the old secret: requests are signed with both; null when none
 * @param caFile             extra PEM trust for an https url; null when none
 * @param retrySchedule      waits before each attempt after the first failure; the last repeats until giveUpAfter
 * @param giveUpAfter        an event still unsent this long after it happened is dropped (logged, counted)
 * @param breakerFailures    consecutive failures that open the circuit breaker (one probe per probeInterval then)
 */
public record WebhookConfig(String name, URI url, Set<String> events, Path secretFile, Path previousSecretFile,
                            Path caFile, Duration timeout, int maxInFlight, List<Duration> retrySchedule,
                            Duration giveUpAfter, int breakerFailures, Duration probeInterval) {
    /** Every event a webhook can receive, in CONTRACT.md's order. */
    public static final List<String> EVENTS =
            List.of("delivered", "deferred", "bounced", "expired", "suppressed", "rejected", "received");

    /** Standard Webhooks' schedule after the first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
    public static final List<Duration> STANDARD_SCHEDULE = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5),
            Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10));

    public WebhookConfig {
        events = Set.copyOf(events);
        retrySchedule = List.copyOf(retrySchedule);
    }
}
