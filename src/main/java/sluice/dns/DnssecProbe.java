package sluice.dns;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Whether the DNS servers return DNSSEC records at all. A forwarder that strips RRSIGs would make every answer bogus
 * and so stop all mail to DANE domains; asking once for the trust anchor's DNSKEY with signatures tells, and DANE is
 * then off with one ERROR line instead.
 */
final class DnssecProbe {
    private static final Logger log = LoggerFactory.getLogger(DnssecProbe.class);
    /** After the servers did not answer the probe, ask again no sooner than this. */
    static final Duration RETRY = Duration.ofSeconds(30);

    private sealed interface State {
        record Unknown(String why, Instant next) implements State {}

        record Available(String why) implements State {}

        record Unavailable(String why) implements State {}
    }

    private final Resolver head;
    private final TrustAnchors anchors;
    private final String servers;
    private final Clock clock;
    private final ReentrantLock probing = new ReentrantLock();
    private final AtomicReference<State> state;

    DnssecProbe(Resolver head, TrustAnchors anchors, String servers, Clock clock) {
        this.head = head;
        this.anchors = anchors;
        this.servers = servers;
        this.clock = clock;
        this.state = new AtomicReference<>(new State.Unknown("not checked yet", Instant.MIN));
    }

    /**
     * True once the servers were seen to return signatures. While unknown (they did not answer the probe yet) DANE
     * is not applied: validating through servers that may strip signatures would make every signed domain look bogus
     * and defer its mail (the probe is asked again after {@link #RETRY}).
     */
    boolean available() {
        return check() instanceof State.Available;
    }

    String state() {
        return switch (check()) {
            case State.Available a -> "DNSSEC validation on: " + a.why() + "; trust anchor " + anchors.source();
            case State.Unavailable u -> "DNSSEC unavailable, DANE off: " + u.why();
            case State.Unknown u -> "DNSSEC not checked yet: " + u.why();
        };
    }

    private State check() {
        State current = state.get();
        if (!(current instanceof State.Unknown unknown) || clock.instant().isBefore(unknown.next())) {
            return current;
        }
        probing.lock(); // concurrent first lookups wait for the one probe (at most one DNS timeout), then share it
        try {
            current = state.get();
            if (!(current instanceof State.Unknown again) || clock.instant().isBefore(again.next())) {
                return current;
            }
            State next = probe();
            state.set(next);
            if (next instanceof State.Unknown u) {
                log.warn("DANE not applied for now: {}; asking again in {} s", u.why(), RETRY.toSeconds());
            }
            if (next instanceof State.Unavailable u) {
                log.error("DANE disabled: {} (Sluice needs DNS servers that return DNSSEC signatures, e.g. a local "
                        + "validating resolver such as unbound; without them every signed domain would look bogus)", u.why());
            }
            return next;
        } finally {
            probing.unlock();
        }
    }

    private State probe() {
        Name zone = anchors.zones().getFirst();
        String zoneText = zone.equals(Name.root) ? "." : DomainName.text(zone);
        Message query = Message.newQuery(SecureResolver.question(zone, Type.DNSKEY));
        query.getHeader().setFlag(Flags.CD);
        query.addRecord(new OPTRecord(1232, 0, 0, ExtendedFlags.DO), Section.ADDITIONAL);
        Message reply;
        try {
            reply = head.send(query);
        } catch (IOException | RuntimeException e) {
            return new State.Unknown("the DNS servers " + servers + " did not answer " + zoneText + "/DNSKEY ("
                    + e.getMessage() + ")", clock.instant().plus(RETRY));
        }
        int rcode = reply.getRcode();
        if (rcode == Rcode.REFUSED || rcode == Rcode.NOTIMP) {
            return new State.Unavailable("the DNS servers " + servers + " refuse " + zoneText + "/DNSKEY ("
                    + Rcode.string(rcode) + "; not a recursive resolver?)");
        }
        if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
            return new State.Unknown("the DNS servers " + servers + " answered " + Rcode.string(rcode) + " for "
                    + zoneText + "/DNSKEY", clock.instant().plus(RETRY));
        }
        var answer = reply.getSection(Section.ANSWER);
        boolean keys = answer.stream().anyMatch(r -> r.getType() == Type.DNSKEY);
        boolean signed = answer.stream().anyMatch(r -> r instanceof RRSIGRecord sig && sig.getTypeCovered() == Type.DNSKEY);
        if (keys && signed) {
            return new State.Available("the DNS servers " + servers + " return signed DNSKEY records for " + zoneText);
        }
        return new State.Unavailable("the DNS servers " + servers + " return " + (keys ? "DNSKEY records for " + zoneText
                + " without signatures (a forwarder that strips DNSSEC?)" : "no DNSKEY records for " + zoneText
                + " (rcode " + Rcode.string(rcode) + "; not DNSSEC-aware?)"));
    }

}
