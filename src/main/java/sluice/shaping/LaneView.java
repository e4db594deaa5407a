package sluice.shaping;

/**
 * What one egress source may send to one destination group now, for {@code sluice shaping}, the API, the metrics
 * and the dashboard.
 *
 * @param group              the group's name ("*" for a domain shaped on its own: see {@code domain})
 * @param ratePerSecond      the message rate allowed now (lowered while backing off); 0: no limit
 * @param configuredPerSecond the rate recovery climbs back to; 0: no limit
 * @param connections        connections allowed now; 0: no limit
 * @param configuredConnections 0: no limit
 * @param active             connections in use (attempts in progress)
 * @param waitingForRate     jobs holding a reserved slot in the future
 * @param waitingForConnection jobs waiting for a connection slot
 * @param suspendedUntilMillis epoch millis, or 0
 * @param rule               where the matching rule came from ("sluice.toml:40"), or null
 */
public record LaneView(String source, String group, String domain, double ratePerSecond, double configuredPerSecond,
                       int connections, int configuredConnections, int active, int waitingForRate,
                       int waitingForConnection, boolean backingOff, long suspendedUntilMillis, String suspendedBecause,
                       String rule) {
    public boolean suspended() {
        return suspendedUntilMillis != 0;
    }
}
