package sluice.config;

import java.time.Duration;
import java.util.List;

/** Outbound delivery (used from issue 3 on; parsed and validated now). */
public record DeliveryConfig(
        int mxPort,
        List<String> dnsServers,
        List<Duration> retrySchedule,
        Duration maxQueueLifetime,
        Duration delayWarning,
        List<SmarthostConfig> smarthosts) {

    public DeliveryConfig {
        dnsServers = List.copyOf(dnsServers);
        retrySchedule = List.copyOf(retrySchedule);
        smarthosts = List.copyOf(smarthosts);
    }
}
