package sluice.delivery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLContext;
import sluice.config.DeliveryConfig;
import sluice.dns.MxHost;
import sluice.dns.Resolver;
import sluice.transit.DaneVerdict;
import sluice.transit.RequireTls;
import sluice.transit.StsVerdict;
import sluice.transit.TlsAttempt;

/**
 * The MX routes of a domain: its hosts in preference order (equal preferences shuffled, then the faster and healthier
 * first), at most {@link #MAX_MX_HOSTS} hosts and {@link #MAX_ADDRESSES} addresses, each with what transit security
 * (DANE, MTA-STS, the configured TLS level) demands of it. The smarthost routes are {@link SmarthostRoutes}.
 */
final class MxRoutes {
    static final int MAX_MX_HOSTS = 5;
    static final int MAX_ADDRESSES = 10;

    private final Resolver resolver;
    private final DeliveryConfig config;
    private final String ehloName;
    private final Timeouts timeouts;
    private final HostStats stats;
    private final SSLContext unauthenticated;
    private final TransitPolicies transit;

    MxRoutes(Resolver resolver, DeliveryConfig config, String ehloName, Timeouts timeouts, HostStats stats,
             SSLContext unauthenticated, TransitPolicies transit) {
        this.resolver = resolver;
        this.config = config;
        this.ehloName = ehloName;
        this.timeouts = timeouts;
        this.stats = stats;
        this.unauthenticated = unauthenticated;
        this.transit = transit;
    }

    /**
     * The MX hosts' addresses in order, each with what transit security demands of it; hosts a policy refuses are
     * failures (reported), never tried in plaintext.
     *
     * @param groupTls the shaping group's TLS requirement, which overrides [delivery]'s; null: none
     */
    List<Candidate> candidates(String domain, List<MxHost> hosts, AttemptFailures failures, String groupTls,
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
                    for (InetAddress a : HostAddresses.of(resolver, h.host(), failures)) {
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
}
