package sluice.policy;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import sluice.config.LimitsConfig;

/**
 * The node's rate limits against abuse (Postfix's anvil): new connections and messages per client IP per
 * minute, messages per authenticated user per hour (a stolen password's spam run). Trusted networks are
 * exempt from the per-IP limits; the per-user limit applies to every authenticated user, also over the HTTP
 * send API. Zero turns a limit off (the default, as in Postfix). IPv6 clients count per network
 * ({@code [limits] ipv6_prefix}, /64 by default), as they do for the connection cap and the AUTH lockout.
 */
public final class RateLimits {
    private final RateLimit connectionsPerIp;
    private final RateLimit messagesPerIp;
    private final RateLimit messagesPerUser;
    private volatile LimitsConfig limits;

    public RateLimits(LimitsConfig limits, Clock clock) {
        this(limits, clock, SharedCounter.Source.NONE);
    }

    /** Limits that hold for a fleet: {@code fleet} shares each one's counts with the other nodes. */
    public RateLimits(LimitsConfig limits, Clock clock, SharedCounter.Source fleet) {
        this.limits = limits;
        this.connectionsPerIp = limit("connections_per_ip", limits.connectionsPerIpPerMinute(), Duration.ofMinutes(1),
                clock, fleet);
        this.messagesPerIp = limit("messages_per_ip", limits.messagesPerIpPerMinute(), Duration.ofMinutes(1), clock,
                fleet);
        this.messagesPerUser = limit("messages_per_user", limits.messagesPerUserPerHour(), Duration.ofHours(1), clock,
                fleet);
    }

    private static RateLimit limit(String name, int limit, Duration window, Clock clock, SharedCounter.Source fleet) {
        // a limit that is off has nothing to share
        return new RateLimit(limit, window, clock, limit <= 0 ? SharedCounter.NONE : fleet.counter(name, limit, window));
    }

    /**
     * New per-minute and per-hour limits from a reload; what was counted so far counts towards them. A limit that was
     * off when the fleet's counters were set up cannot start sharing now: the caller refuses that change in a cluster.
     */
    public void update(LimitsConfig limits) {
        connectionsPerIp.limit(limits.connectionsPerIpPerMinute());
        messagesPerIp.limit(limits.messagesPerIpPerMinute());
        messagesPerUser.limit(limits.messagesPerUserPerHour());
        this.limits = limits;
    }

    /** Counts a new connection; false when the client opened too many in the last minute. */
    public boolean connectionAllowed(InetAddress client, boolean trusted) {
        return trusted || connectionsPerIp.tryAcquire(limits.clientKey(client));
    }

    /** Whether a message (a MAIL command, or an HTTP send) may start now, and counts it when it may. */
    public Verdict message(InetAddress client, boolean trusted, String authUser) {
        if (!trusted && !messagesPerIp.tryAcquire(limits.clientKey(client))) return Verdict.CLIENT_OVER;
        if (authUser != null && !messagesPerUser.tryAcquire(authUser)) return Verdict.USER_OVER;
        return Verdict.ALLOWED;
    }

    public enum Verdict { ALLOWED, CLIENT_OVER, USER_OVER }
}
