package sluice.delivery;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.config.DeliveryConfig;
import sluice.dns.MxAnswer;
import sluice.dns.MxHost;
import sluice.dns.Resolver;
import sluice.smtp.Reply;
import sluice.spool.Recipient;
import sluice.transit.RequireTls;

/**
 * Delivers to other mail servers: a domain's MX hosts in preference order (equal preferences shuffled, then
 * the faster and healthier first), falling back to the next host and address on connect failure, timeout,
 * TLS failure or a greeting that refuses; or an upstream smarthost, trying its ports in order and remembering
 * the one that works. Connections are reused across messages for a few seconds. The routes come from
 * {@link MxRoutes} and {@link SmarthostRoutes}, each session from {@link HostConnector}.
 */
public final class RemoteTransport implements Transport, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RemoteTransport.class);

    private final Resolver resolver;
    private final ConnectionPool pool = new ConnectionPool(Duration.ofSeconds(5), 100);
    private final SSLContext unauthenticated = ClientTls.unauthenticated();
    private final MxRoutes mxRoutes;
    private final SmarthostRoutes smarthosts;
    private final HostConnector connector;
    private final EgressPools egress;

    public RemoteTransport(Resolver resolver, DeliveryConfig config, String ehloName, Timeouts timeouts, Clock clock) {
        this(resolver, config, ehloName, timeouts, clock, EgressPools.none());
    }

    public RemoteTransport(Resolver resolver, DeliveryConfig config, String ehloName, Timeouts timeouts, Clock clock,
                           EgressPools egress) {
        this(resolver, config, ehloName, timeouts, clock, egress, TransitPolicies.off(config.transit().caFile()));
    }

    public RemoteTransport(Resolver resolver, DeliveryConfig config, String ehloName, Timeouts timeouts, Clock clock,
                           EgressPools egress, TransitPolicies transit) {
        this.egress = egress;
        this.resolver = resolver;
        HostStats stats = new HostStats(); // MX order reads what the connector records
        this.mxRoutes = new MxRoutes(resolver, config, ehloName, timeouts, stats, unauthenticated, transit);
        this.smarthosts = new SmarthostRoutes(config, ehloName, timeouts, clock, unauthenticated, this::addresses);
        this.connector = new HostConnector(stats, unauthenticated, transit);
    }

    @Override
    public List<Outcome> deliver(Job job, byte[] data) {
        long start = System.nanoTime();
        AttemptFailures failures = new AttemptFailures();
        TransitRules.Asked asked = asked(job);
        List<Candidate> candidates;
        switch (route(job, failures, asked, start)) {
            case Route.Hosts h -> candidates = h.candidates();
            case Route.Settled s -> {
                return s.outcomes();
            }
        }
        OutboundMessage message = message(job, data);
        // Shaping chose the source (one per attempt: every candidate leaves from it); unshaped callers draw here.
        Shape shape = job.shape() != null ? job.shape() : Shape.unshaped(egress.pick(job.envelope()));
        EgressSource source = shape.source();
        // Connections of a group are shared by its domains (Google Workspace domains reach the same MX hosts).
        String key = shape.group() != null ? "group:" + shape.group() : job.destination().key();
        boolean gatePassed = false;
        for (Candidate bare : candidates) {
            Candidate c = bare.from(source);
            failures.policy = policyOf(c);
            ConnectionPool.Taken taken = pool.take(c.poolKey(key, source));
            SmtpClient client;
            int uses = 0;
            if (taken != null) {
                client = taken.client();
                uses = taken.uses();
                if (refusesRequireTls(client, c, asked, failures)) continue;
                MessageResult result = client.send(message);
                if (!connectionLost(result)) return finish(job, c, shape, client, key, uses + 1, result, start);
                client.close(); // the idle connection had gone stale: try again on a fresh one
            }
            if (!gatePassed) { // the group's connection rate, asked once per attempt
                long until = shape.gate().tryOpen();
                if (until > 0) {
                    return job.recipients().stream().map(r -> Outcome.throttled(r.address(), until,
                            "connection rate of group " + shape.group())).toList();
                }
                gatePassed = true;
            }
            client = connector.open(c, failures, job.destination().key());
            if (client == null) continue;
            if (refusesRequireTls(client, c, asked, failures)) continue;
            MessageResult result = client.send(message);
            return finish(job, c, shape, client, key, 1, result, start);
        }
        return everyHostFailed(job, key, failures, asked, source, start);
    }

    /** Where an attempt may go: the hosts to try in order, or an answer already (null MX, no such domain). */
    private sealed interface Route {
        record Hosts(List<Candidate> candidates) implements Route {}

        record Settled(List<Outcome> outcomes) implements Route {}
    }

    private Route route(Job job, AttemptFailures failures, TransitRules.Asked asked, long start) {
        switch (job.destination()) {
            case Destination.Mx mx -> {
                MxAnswer answer = HostAddresses.literal(mx.domain()) != null
                        ? new MxAnswer.Hosts(List.of(new MxHost(mx.domain(), 0)), true) : resolver.mx(mx.domain());
                return switch (answer) {
                    case MxAnswer.NullMx n -> new Route.Settled(all(job, 556, "5.1.10",
                            "Recipient domain " + mx.domain() + " does not accept mail (null MX)", start));
                    case MxAnswer.NoSuchDomain n -> new Route.Settled(all(job, 550, "5.1.2",
                            "Host or domain name not found: " + mx.domain() + " (" + n.detail() + ")", start));
                    case MxAnswer.TempFail t -> new Route.Settled(all(job, 451, "4.4.3",
                            "Cannot look up the MX of " + mx.domain() + ": " + t.detail(), start));
                    case MxAnswer.Hosts h -> new Route.Hosts(mxRoutes.candidates(mx.domain(), h.hosts(), failures,
                            job.shape() == null ? null : job.shape().tls(), asked));
                };
            }
            case Destination.Smarthost s -> {
                return new Route.Hosts(smarthosts.candidates(s, failures));
            }
            case Destination.Local l -> throw new IllegalArgumentException("local destination given to the remote transport");
        }
    }

    /** No candidate took the message: the outcome says why, as the last host's refusal or a local deferral. */
    private List<Outcome> everyHostFailed(Job job, String key, AttemptFailures failures, TransitRules.Asked asked,
                                          EgressSource source, long start) {
        String why = failures.last == null ? "no usable host" : failures.last;
        if (failures.lines.size() > 1) log.info("delivery {} to {}: every host failed: {}", job.queueId(), key, failures.lines);
        String policy = failures.policy;
        if (asked.requireTls() && job.destination() instanceof Destination.Mx && !failures.requireTls.isEmpty()
                && failures.requireTls.size() == failures.hosts) {
            // RFC 8689 4.2.1: no MX host could carry the message as it asked; soft per host, final once all were tried
            Reply r = RequireTls.exhausted(failures.requireTls);
            return tagged(all(job, r.code(), r.status().toString(), r.lines().getFirst() + " (" + job.destination().key()
                    + ": " + why + ")", start), policy);
        }
        if (failures.refusal != null) {
            // A host answered with a refusal: its reply is what this attempt got (shaping reads it: a 421 "too many
            // connections" or a blocklist reply at the greeting is the remote's verdict, not a local failure).
            Reply r = failures.refusal;
            Candidate c = failures.refusedBy;
            long ms = (System.nanoTime() - start) / 1_000_000;
            String text = "Delivery to " + job.destination().key() + " failed: " + why;
            return job.recipients().stream().map(x -> new Outcome(x.address(), Outcome.Result.DEFERRED, r.code(),
                    r.status() == null ? null : r.status().toString(), text, c.host(),
                    c.address().getAddress().getHostAddress(), c.address().getPort(), null, ms, false, source, 0,
                    policyOf(c))).toList();
        }
        return tagged(all(job, 451, failures.lastWasPolicy ? "4.7.5" : "4.4.1",
                "Delivery to " + job.destination().key() + " failed: " + why, start), policy);
    }

    private static List<Outcome> tagged(List<Outcome> outcomes, String policy) {
        return policy == null ? outcomes : outcomes.stream().map(o -> o.withTlsPolicy(policy)).toList();
    }

    /** The transit policy a candidate runs under: the MX rule's, or a smarthost's configured level. */
    private static String policyOf(Candidate c) {
        if (c.rule() != null) return c.rule().policy();
        return c.settings().tls() == TlsMode.REQUIRED || c.settings().implicitTls() ? "required" : "opportunistic";
    }

    /**
     * A REQUIRETLS message goes only over a verified session to a host that offers REQUIRETLS (RFC 8689 4.2.1); a host
     * that cannot take it is passed over (and its connection closed), the next MX is tried.
     */
    private boolean refusesRequireTls(SmtpClient client, Candidate c, TransitRules.Asked asked, AttemptFailures failures) {
        if (!asked.requireTls()) return false;
        // a smarthost verified by Web PKI qualifies (its route is configured); one that is not defers the message
        // (never a bounce: fixing the route is the operator's part), as does a drain's hand-over peer
        boolean smarthostVerified = c.rule() == null && c.settings().verifyHostname() && c.settings().sslContext() != unauthenticated;
        RequireTls.Verification how = client.tlsVersion() == null ? RequireTls.Verification.NONE
                : smarthostVerified ? RequireTls.Verification.PKIX
                : c.rule() == null || !c.rule().verified() ? RequireTls.Verification.UNVERIFIED
                : switch (c.rule().policy()) {
                    case "dane" -> RequireTls.Verification.DANE;
                    case "mta-sts" -> RequireTls.Verification.MTA_STS;
                    default -> RequireTls.Verification.PKIX; // chosen by TransitRules only for a DNSSEC-validated MX
                };
        // smarthost routes and PKIX rules are vouched for by configuration or DNSSEC (TransitRules decided)
        if (!(RequireTls.check(true, how, true, client.capabilities()) instanceof RequireTls.Verdict.Refuse refuse)) {
            return false;
        }
        client.close();
        failures.add(c.where(), refuse.reason());
        failures.requireTls.add(refuse);
        failures.hosts++;
        return true;
    }

    /** REQUIRETLS and TLS-Required: No, as the message carries them. */
    private static TransitRules.Asked asked(Job job) {
        return new TransitRules.Asked(job.envelope().requireTls(), job.envelope().tlsOptional());
    }

    private List<Outcome> finish(Job job, Candidate c, Shape shape, SmtpClient client, String key, int uses,
                                 MessageResult result, long start) {
        EgressSource source = shape.source();
        long ms = (System.nanoTime() - start) / 1_000_000;
        String tls = client.tlsVersion();
        String policy = policyOf(c);
        List<Outcome> out = new ArrayList<>();
        for (RecipientResult r : result.recipients()) {
            Reply reply = r.reply();
            out.add(new Outcome(r.recipient().address(), Outcome.resultOf(reply.code()), reply.code(),
                    reply.status() == null ? null : reply.status().toString(), String.join(" ", reply.lines()), c.host(),
                    c.address().getAddress().getHostAddress(), c.address().getPort(), tls, ms, result.dsnPassedOn(), source,
                    0, policy));
        }
        if (c.smarthost() >= 0) smarthosts.remember(c);
        ConnectionPool.GroupLimit limit = shape.group() == null || shape.maxConnections() == 0 ? null
                : new ConnectionPool.GroupLimit(key + "|" + (source == null ? "" : source.name()), shape.maxConnections(),
                        shape.inUse());
        pool.put(c.poolKey(key, source), client, uses, shape.maxMessagesPerConnection(), limit);
        return out;
    }

    private static boolean connectionLost(MessageResult r) {
        return !r.recipients().isEmpty() && r.recipients().stream().allMatch(x -> x.reply().code() == 421
                || x.reply().code() == 451 && x.reply().status() != null && x.reply().status().toString().equals("4.4.2"));
    }

    /** The port index each smarthost currently uses (for metrics and tests). */
    public Map<Integer, Integer> smarthostPortIndexes() {
        return smarthosts.portIndexes();
    }

    private List<InetAddress> addresses(String host, AttemptFailures failures) {
        return HostAddresses.of(resolver, host, failures);
    }

    // ---- helpers --------------------------------------------------------------------------------------

    private static OutboundMessage message(Job job, byte[] data) {
        var attrs = job.envelope().attributes();
        List<OutboundRecipient> rcpts = new ArrayList<>();
        for (Recipient r : job.recipients()) rcpts.add(new OutboundRecipient(r.address(), r.notifyOn(), r.orcpt()));
        return new OutboundMessage(job.envelope().sender(), rcpts, data, "8BITMIME".equalsIgnoreCase(attrs.get("body")),
                "true".equals(attrs.get("smtputf8")), attrs.get("envid"), attrs.get("ret"), job.envelope().requireTls());
    }

    private static List<Outcome> all(Job job, int code, String enhanced, String text, long start) {
        long ms = (System.nanoTime() - start) / 1_000_000;
        return job.recipients().stream().map(r -> new Outcome(r.address(), Outcome.resultOf(code), code, enhanced, text,
                null, null, 0, null, ms)).toList();
    }

    @Override
    public void close() {
        pool.close();
    }
}
