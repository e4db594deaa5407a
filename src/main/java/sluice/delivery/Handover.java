package sluice.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import sluice.config.DeliveryConfig;
import sluice.config.HostPort;
import sluice.config.SmarthostConfig;

/**
 * A drain's handover: every job goes to another node's SMTP port (which trusts this one as a relay) with its
 * envelope, as if that node were a smarthost for every domain. It is the remote transport's smarthost route, so the
 * envelope (ENVID, RET, NOTIFY, ORCPT, SMTPUTF8, 8BITMIME), STARTTLS when offered and the reply handling are the
 * ones of every other delivery. A recipient counts as delivered only on the peer's 250 at the end of data (which a
 * Sluice peer gives after its fsync); anything else, a permanent refusal included, stays queued here as a deferral.
 *
 * <p>TLS is opportunistic and unverified, as towards an MX: the peer is named by a literal IP, which a fleet's
 * certificates rarely cover.
 */
public final class Handover implements Transport, AutoCloseable {
    private final HostPort peer;
    private final RemoteTransport remote;
    private final Destination.Smarthost destination;

    public Handover(HostPort peer, DeliveryConfig delivery, String ehloName, Timeouts timeouts, Clock clock) {
        this.peer = peer;
        SmarthostConfig host = new SmarthostConfig(List.of("*"), peer.host(), List.of(peer.port()), null, null,
                "opportunistic", List.of(), null, null, Duration.ofMinutes(10), null, false);
        DeliveryConfig only = new DeliveryConfig(delivery.mxPort(), delivery.dnsServers(), delivery.retrySchedule(),
                delivery.maxQueueLifetime(), delivery.delayWarning(), List.of(host), delivery.paused(),
                delivery.connectionsPerDestination(), delivery.connectTimeout(), delivery.dnsTimeout(),
                delivery.replyTimeout(), delivery.tls(), delivery.tlsPolicy(), delivery.bounceRules(), delivery.transit());
        // No resolver: the peer is a literal address, and nothing else is looked up.
        this.remote = new RemoteTransport(null, only, ehloName, timeouts, clock);
        this.destination = new Destination.Smarthost(0, peer.host());
    }

    /** "host:port" as the operator gave it. */
    public String peer() {
        return peer.host().contains(":") ? "[" + peer.host() + "]:" + peer.port() : peer.host() + ":" + peer.port();
    }

    @Override
    public List<Outcome> deliver(Job job, byte[] data) {
        Job there = new Job(job.queueId(), job.envelope(), job.recipients(), destination);
        String named = "handed over to " + peer() + " (drain)";
        // A refusal by the peer (even a 5xx: "relaying denied" when it does not trust this node) is about the
        // handover, not the recipient: the message stays queued here, deferred, and is never bounced for it.
        return remote.deliver(there, data).stream().map(o -> new Outcome(o.recipient(),
                o.result() == Outcome.Result.BOUNCED ? Outcome.Result.DEFERRED : o.result(), o.code(),
                o.enhancedCode(), o.text() == null || o.text().isEmpty() ? named : named + ": " + o.text(),
                o.remoteHost(), o.remoteIp(), o.remotePort(), o.tls(), o.durationMillis(), o.dsnPassedOn(), o.egress(),
                o.throttledUntil())).toList();
    }

    @Override
    public void close() {
        remote.close();
    }
}
