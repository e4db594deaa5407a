package sluice.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The admin HTTP API and dashboard. {@code address} is "host:port" with a literal host.
 *
 * @param alertBounceRate      the 1-hour bounce rate (0..1) above which an alert is raised
 * @param alertMinDeliveries   deliveries in that hour below which the bounce rate is not judged
 * @param alertQueueGrowth     how long the queue must keep growing before an alert is raised
 * @param sendBytesInFlight    bytes of send-API request bodies held at once; 0: two largest requests, at most an eighth of the heap
 */
public record AdminConfig(String address, Path tokenFile, double alertBounceRate, int alertMinDeliveries,
                          Duration alertQueueGrowth, long sendBytesInFlight) {
    public AdminConfig(String address, Path tokenFile, double alertBounceRate, int alertMinDeliveries,
                       Duration alertQueueGrowth) {
        this(address, tokenFile, alertBounceRate, alertMinDeliveries, alertQueueGrowth, 0);
    }
}
