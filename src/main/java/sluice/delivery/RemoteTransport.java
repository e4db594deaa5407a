package sluice.delivery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.config.DeliveryConfig;
import sluice.dns.MxAnswer;
import sluice.dns.MxHost;
import sluice.dns.Resolver;
import sluice.smtp.Reply;
import sluice.spool.Recipient;
import sluice.transit.DaneVerdict;
import sluice.transit.RequireTls;
import sluice.transit.ResultType;
import sluice.transit.StsVerdict;
import sluice.transit.TlsAttempt;

/**
 * Delivers to other mail servers: a domain's MX hosts in preference order (equal preferences shuffled, then
 * the faster and healthier first), falling back to the next host and address on connect failure, timeout,
 * TLS failure or a greeting that refuses; or an upstream smarthost, trying its ports in order and remembering
 * the one that works. Connections are reused across messages for a few seconds.
 */
public final class RemoteTransport implements Transport, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RemoteTransport.class);
    static final int MAX_MX_HOSTS = 5;
    static final int MAX_ADDRESSES = 10;

    private final Resolver resolver;
    private final DeliveryConfig config;
    private final String ehloName;
    private final Timeouts timeouts;
    private final HostStats stats = new HostStats();
    private final ConnectionPool pool = new ConnectionPool(Duration.ofSeconds(5), 100);
    private final SSLContext unauthenticated = ClientTls.unauthenticated();
    private final SmarthostRoutes smarthosts;
    private final Clock clock;
    private final EgressPools egress;
    private final TransitPolicies transit;

    public RemoteTransport(Resolver resolver, DeliveryConfig config, String ehloName, Timeouts timeouts, Clock clock) {
        this(resolver, config, ehloName, timeouts, clock, EgressPools.none());
    }

    public RemoteTransport(Resolver resolver, DeliveryConfig config, String ehloName, Timeouts timeouts, Clock clock,
                           EgressPools egress) {
        this(resolver, config, ehloName, timeouts, clock, egress, TransitPolicies.off(config.transit().caFile()));
    }

    public RemoteTransport(Resolver resolver, DeliveryConfig config, String ehloName, Timeouts timeouts, Clock clock,
                           EgressPools egress, TransitPolicies transit) {
        this.transit = transit;
        this.egress = egress;
        this.resolver = resolver;
        this.config = config;
        this.ehloName = ehloName;
        this.timeouts = timeouts;
        this.clock = clock;
        this.smarthosts = new SmarthostRoutes(config, ehloName, timeouts, clock, unauthenticated, this::addresses);
    }

    @Override
    public List<Outcome> deliver(Job job, byte[] data) {
        long start = System.nanoTime();
        AttemptFailures failures = new AttemptFailures();
        TransitRules.Asked asked = asked(job);
        List<Candidate> candidates;
        switch (job.destination()) {
            case Destination.Mx mx -> {
                MxAnswer answer = HostAddresses.literal(mx.domain()) != null
                        ? new MxAnswer.Hosts(List.of(new MxHost(mx.domain(), 0)), true) : resolver.mx(mx.domain());
                switch (answer) {
                    case MxAnswer.NullMx n -> {
                        return all(job, 556, "5.1.10", "Recipient domain " + mx.domain() + " does not accept mail (null MX)", start);
                    }
                    case MxAnswer.NoSuchDomain n -> {
                        return all(job, 550, "5.1.2", "Host or domain name not found: " + mx.domain() + " (" + n.detail() + ")", start);
                    }
                    case MxAnswer.TempFail t -> {
                        return all(job, 451, "4.4.3", "Cannot look up the MX of " + mx.domain() + ": " + t.detail(), start);
                    }
                    case MxAnswer.Hosts h -> candidates = mxCandidates(mx.domain(), h.hosts(), failures,
                            job.shape() == null ? null : job.shape().tls(), asked);
                }
            }
            case Destination.Smarthost s -> candidates = smarthosts.candidates(s, failures);
            case Destination.Local l -> throw new IllegalArgumentException("local destination given to the remote transport");
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
            client = open(c, failures, job.destination().key());
            if (client == null) continue;
            if (refusesRequireTls(client, c, asked, failures)) continue;
            MessageResult result = client.send(message);
            return finish(job, c, shape, client, key, 1, result, start);
        }
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

    /**
     * Connects. Opportunistic TLS whose handshake fails is retried once in plaintext on the same address; an MTA-STS
     * testing host whose verified handshake fails is reported, then retried unauthenticated (then in plaintext).
     * Every session with an MX host is counted for TLS reports.
     */
    private SmtpClient open(Candidate c, AttemptFailures failures, String domain) {
        long t0 = System.nanoTime();
        ClientFailure f;
        try {
            SmtpClient client = SmtpClient.open(c.address(), c.settings());
            stats.success(c.host(), (System.nanoTime() - t0) / 1_000_000);
            report(c, domain, client, null, null);
            return client;
        } catch (ClientFailure first) {
            f = first;
        }
        boolean tlsFailed = f.kind() == ClientFailure.Kind.TLS;
        if (tlsFailed && c.rule() != null && c.rule().testing()) {
            report(c, domain, null, TlsFailures.type(f), TlsFailures.detail(f));
            log.info("delivery: {} fails MTA-STS verification ({}); the policy is in testing: delivering without it",
                    c.where(), TlsFailures.detail(f));
            try {
                SmtpClient client = SmtpClient.open(c.address(),
                        c.settings().withTls(TlsMode.OPPORTUNISTIC, unauthenticated).withHostname(c.host(), false));
                stats.success(c.host(), (System.nanoTime() - t0) / 1_000_000);
                return client;
            } catch (ClientFailure again) {
                f = again;
            }
        } else if (c.rule() != null && (tlsFailed || f.kind() == ClientFailure.Kind.TLS_UNAVAILABLE)) {
            report(c, domain, null, TlsFailures.type(f), TlsFailures.detail(f));
        }
        if (f.kind() == ClientFailure.Kind.TLS && c.opportunistic() && !c.settings().implicitTls()) {
            log.info("delivery: TLS handshake with {} failed ({}); retrying in plaintext", c.where(), f.getMessage());
            try {
                SmtpClient client = SmtpClient.open(c.address(), c.settings().withTls(TlsMode.NONE, null));
                stats.success(c.host(), (System.nanoTime() - t0) / 1_000_000);
                return client;
            } catch (ClientFailure again) {
                f = again;
            }
        }
        stats.failure(c.host());
        failures.hosts++;
        boolean policyFailure = c.rule() != null && c.rule().tls() == TlsMode.REQUIRED
                && (f.kind() == ClientFailure.Kind.TLS || f.kind() == ClientFailure.Kind.TLS_UNAVAILABLE);
        if (policyFailure) {
            String why = describe(f); // names the policy already when the policy's own check refused
            failures.addPolicy(c.where(), why.contains(c.rule().policy() + ": ") ? why : c.rule().policy() + ": " + why);
            if (c.rule().verified()) failures.requireTls.add(RequireTls.tlsFailed(describe(f))); // nor can REQUIRETLS
        } else {
            failures.add(c.where(), describe(f));
        }
        if (f.reply() != null) {
            failures.refusedBy = c;
            failures.refusal = f.reply();
        }
        if (c.smarthost() >= 0) {
            log.warn("smarthost {}: port {} unusable ({}); trying the next", c.host(), c.address().getPort(), describe(f));
        }
        return null;
    }

    /** One session's TLS result for the daily reports: success when TLS was negotiated, else the failure. */
    private void report(Candidate c, String domain, SmtpClient client, ResultType failure, String detail) {
        if (c.rule() == null) return; // smarthosts are not reported
        if (client != null && client.tlsVersion() == null) {
            failure = ResultType.STARTTLS_NOT_SUPPORTED;
            detail = "the session went on in plaintext";
        }
        HostTls.Reported r = c.rule().reported();
        String sending = c.settings().bindAddress() == null ? null : c.settings().bindAddress().getHostAddress();
        transit.reports().record(new TlsAttempt(domain, r.type(), r.strings(), c.host(), sending,
                c.address().getAddress().getHostAddress(), failure, detail));
    }

    private static String describe(ClientFailure f) {
        String stage = switch (f.stage()) {
            case CONNECT -> "connect";
            case GREETING -> "greeting";
            case EHLO -> "EHLO";
            case STARTTLS -> "STARTTLS";
            case TLS_HANDSHAKE -> "TLS handshake";
            case AUTH -> "AUTH";
        };
        String what = f.reply() != null ? f.reply().summary() : switch (f.kind()) {
            case REFUSED -> "connection refused";
            case TIMEOUT -> "timed out";
            case TLS -> TlsFailures.detail(f);
            case TLS_UNAVAILABLE -> "TLS required but STARTTLS not offered";
            case AUTH_UNAVAILABLE -> "no AUTH mechanism usable over TLS";
            default -> "connection failed";
        };
        return stage + ": " + what;
    }

    // ---- MX -------------------------------------------------------------------------------------------

    /**
     * The MX hosts' addresses in order, each with what transit security demands of it; hosts a policy refuses are
     * failures (reported), never tried in plaintext.
     *
     * @param groupTls the shaping group's TLS requirement, which overrides [delivery]'s; null: none
     */
    private List<Candidate> mxCandidates(String domain, List<MxHost> hosts, AttemptFailures failures, String groupTls,
                                         TransitRules.Asked asked) {
        List<MxHost> ordered = orderMx(hosts, stats);
        boolean required = "required".equals(groupTls != null ? groupTls : config.tlsFor(domain));
        ClientSettings base = new ClientSettings(ehloName, config.connectTimeout(), timeouts,
                required ? TlsMode.REQUIRED : TlsMode.OPPORTUNISTIC, false, unauthenticated, null, false, null);
        boolean policies = !(asked.tlsOptional() && !asked.requireTls());
        StsVerdict sts = policies ? transit.sts().policyFor(domain) : new StsVerdict.None("TLS-Required: No");
        if (sts instanceof StsVerdict.Failed failed) {
            // RFC 8461 5: without a usable policy delivery goes on as if none were published; the failure is reported
            transit.reports().record(new TlsAttempt(domain, "sts", List.of(), null, null, null, failed.type(), failed.detail()));
        }
        boolean mxSecure = asked.requireTls() && transit.dane().mxSecure(domain);
        List<Candidate> out = new ArrayList<>();
        for (MxHost h : ordered.subList(0, Math.min(MAX_MX_HOSTS, ordered.size()))) {
            DaneVerdict dane = policies ? transit.dane().forHost(domain, h.host())
                    : new DaneVerdict.NotApplicable("TLS-Required: No");
            HostTls tls = TransitRules.decide(h.host(), required, dane, sts, mxSecure, asked, transit.pkix(), unauthenticated);
            switch (tls) {
                case HostTls.Refuse r -> {
                    failures.policy = r.policy();
                    failures.addPolicy(h.host(), r.why());
                    failures.hosts++;
                    if (r.requireTls()) failures.requireTls.add(new RequireTls.Verdict.Refuse(RequireTls.TLS_NEEDED, r.why()));
                    if (r.type() != null) {
                        transit.reports().record(new TlsAttempt(domain, r.reported().type(), r.reported().strings(),
                                h.host(), null, null, r.type(), r.why()));
                    }
                }
                case HostTls.Connect rule -> {
                    ClientSettings settings = base.withTls(rule.tls(), rule.context()).withHostname(h.host(), rule.verifyName());
                    for (InetAddress a : addresses(h.host(), failures)) {
                        if (out.size() >= MAX_ADDRESSES) return out;
                        out.add(new Candidate(h.host(), new InetSocketAddress(a, config.mxPort()), settings,
                                rule.tls() == TlsMode.OPPORTUNISTIC, -1, -1, rule));
                    }
                }
            }
        }
        return out;
    }

    /** Preference order; within a preference shuffled, then stably by recent latency and failures. */
    static List<MxHost> orderMx(List<MxHost> hosts, HostStats stats) {
        List<MxHost> out = new ArrayList<>(hosts.size());
        int i = 0;
        List<MxHost> sorted = new ArrayList<>(hosts);
        sorted.sort(Comparator.comparingInt(MxHost::preference));
        while (i < sorted.size()) {
            int j = i;
            while (j < sorted.size() && sorted.get(j).preference() == sorted.get(i).preference()) j++;
            List<MxHost> group = new ArrayList<>(sorted.subList(i, j));
            Collections.shuffle(group, ThreadLocalRandom.current());
            group.sort(Comparator.comparingDouble(h -> stats.score(h.host())));
            out.addAll(group);
            i = j;
        }
        return out;
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
