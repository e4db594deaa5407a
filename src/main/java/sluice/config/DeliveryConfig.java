package sluice.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Outbound delivery.
 *
 * @param paused      accept and queue, but deliver nothing until the operator resumes (restart without it)
 * @param tls         the default outbound TLS policy: "opportunistic" (STARTTLS when offered, plaintext when the
 *                    handshake fails) or "required" (never send without TLS)
 * @param tlsPolicy   per-domain overrides of {@code tls}
 * @param replyTimeout how long to wait for each remote reply; null for RFC 5321 4.5.3.2's per-command values
 * @param bounceRules  extra bounce-classification rules tried before the shipped ones, or null
 * @param transit      MTA-STS, DANE, TLS reports (never applied to smarthosts)
 */
public record DeliveryConfig(
        int mxPort,
        List<String> dnsServers,
        List<Duration> retrySchedule,
        Duration maxQueueLifetime,
        Duration delayWarning,
        List<SmarthostConfig> smarthosts,
        boolean paused,
        int connectionsPerDestination,
        Duration connectTimeout,
        Duration dnsTimeout,
        Duration replyTimeout,
        String tls,
        Map<String, String> tlsPolicy,
        Path bounceRules,
        TransitConfig transit) {

    public DeliveryConfig {
        java.util.Objects.requireNonNull(transit, "transit");
        dnsServers = List.copyOf(dnsServers);
        retrySchedule = List.copyOf(retrySchedule);
        smarthosts = List.copyOf(smarthosts);
        tlsPolicy = Map.copyOf(tlsPolicy);
    }

    /** With the default transit security. */
    public DeliveryConfig(int mxPort, List<String> dnsServers, List<Duration> retrySchedule, Duration maxQueueLifetime,
                          Duration delayWarning, List<SmarthostConfig> smarthosts, boolean paused,
                          int connectionsPerDestination, Duration connectTimeout, Duration dnsTimeout,
                          Duration replyTimeout, String tls, Map<String, String> tlsPolicy, Path bounceRules) {
        this(mxPort, dnsServers, retrySchedule, maxQueueLifetime, delayWarning, smarthosts, paused,
                connectionsPerDestination, connectTimeout, dnsTimeout, replyTimeout, tls, tlsPolicy, bounceRules,
                TransitConfig.defaults());
    }

    /** The TLS policy for a recipient domain. */
    public String tlsFor(String domain) {
        return tlsPolicy.getOrDefault(domain, tls);
    }
}
