package sluice.node;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import sluice.bounce.BounceClassifier;
import sluice.cluster.Cluster;
import sluice.cluster.SharedWarmups;
import sluice.config.Config;
import java.util.random.RandomGenerator;
import sluice.delivery.EgressPools;
import sluice.delivery.LocalTransport;
import sluice.delivery.Maildir;
import sluice.delivery.RemoteTransport;
import sluice.delivery.Router;
import sluice.delivery.Timeouts;
import sluice.delivery.Transports;
import sluice.dns.MxAnswer;
import sluice.dns.MxHost;
import sluice.dns.Resolver;
import sluice.observe.EventOutbox;
import sluice.observe.EventSink;
import sluice.policy.LocalRecipients;
import sluice.queue.DsnNotices;
import sluice.queue.Ingest;
import sluice.queue.RetryPolicy;
import sluice.queue.Scheduler;
import sluice.shaping.LaneState;
import sluice.shaping.Shaper;
import sluice.shaping.SourceListings;
import sluice.shaping.Warmups;
import sluice.spool.Envelope;
import sluice.spool.Recipient;
import sluice.spool.Spool;
import sluice.spool.SpoolException;
import sluice.transit.TlsReportBook;
import sluice.transit.TlsReportSink;

/** The outbound half of a node wired together: resolver, transports, DSNs and the queue manager. */
public final class Delivery {
    private final Scheduler scheduler;
    private final RemoteTransport remote;
    private final Resolver resolver;
    private final Shaper shaper;
    private final SourceListings listings;
    private final Warmups warmups;
    private final int recovered;
    private SharedWarmups fleetWarmups;
    private TlsReportBook tlsReports;
    private Transit transit;

    private Delivery(Scheduler scheduler, RemoteTransport remote, Resolver resolver, Shaper shaper,
                     SourceListings listings, Warmups warmups, int recovered) {
        this.scheduler = scheduler;
        this.shaper = shaper;
        this.listings = listings;
        this.warmups = warmups;
        this.remote = remote;
        this.resolver = resolver;
        this.recovered = recovered;
    }

    static Delivery start(Config config, Spool spool, Ingest ingest, LocalRecipients recipients, EventSink log,
                          Scheduler.Suppressed suppressed, Clock clock) throws SpoolException {
        return start(config, spool, ingest, recipients, log, suppressed, EventOutbox.NONE, clock);
    }

    /** @param outbox where outcome events are stored with the outcome (webhooks) */
    static Delivery start(Config config, Spool spool, Ingest ingest, LocalRecipients recipients, EventSink log,
                          Scheduler.Suppressed suppressed, EventOutbox outbox, Clock clock) throws SpoolException {
        return start(config, spool, ingest, recipients, log, suppressed, outbox, null, clock);
    }

    /** @param cluster the fleet's shared state (lanes, warm-up), or null on a single node */
    static Delivery start(Config config, Spool spool, Ingest ingest, LocalRecipients recipients, EventSink log,
                          Scheduler.Suppressed suppressed, EventOutbox outbox, Cluster cluster, Clock clock)
            throws SpoolException {
        var d = config.delivery();
        BounceClassifier classifier;
        try {
            classifier = d.bounceRules() == null ? new BounceClassifier() : BounceClassifier.load(d.bounceRules());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("bounce_rules " + d.bounceRules() + ": " + e.getMessage(), e);
        }
        Resolver resolver = Resolver.create(d.dnsServers(), d.dnsTimeout(), clock);
        TlsReportBook tlsReports;
        try {
            tlsReports = TlsReports.book(config, spool, clock);
        } catch (java.io.IOException e) {
            throw new SpoolException("tls reports: " + e.getMessage(), e);
        }
        Maildir maildir = new Maildir(Path.of(config.local().maildirRoot()), config.hostname(), clock);
        LocalTransport local = new LocalTransport(recipients, maildir, (sender, rcpts, data, origin) -> {
            String id = ingest.newId();
            List<Recipient> list = rcpts.stream().map(r -> Recipient.pending(r, null, null)).toList();
            ingest.accept(id, new Envelope(sender, list, clock.instant(), data.length,
                    Map.of("mode", "forward", "forwarded_from", origin)), data);
            return id;
        });
        EgressPools pools = new EgressPools(config.egress(), RandomGenerator.getDefault());
        Transit transit = Transit.start(config, resolver, tlsReports, clock);
        RemoteTransport remote = new RemoteTransport(resolver, d, config.hostname(),
                d.replyTimeout() == null ? Timeouts.rfc5321() : Timeouts.uniform(d.replyTimeout()), clock, pools,
                transit.policies());
        SourceListings listings = new SourceListings(config.egress().blocklists(), config.egress().sources(), resolver,
                log, clock);
        Warmups warmups = Warmups.open(config.egress(), config.shaping().warmups(), new Warmups.Store() {
            public Map<String, byte[]> read(String prefix) throws SpoolException {
                return spool.state().read(prefix);
            }

            public void write(Map<String, byte[]> entries) throws SpoolException {
                spool.state().putAll(entries);
            }
        }).start();
        // in a cluster the day and the daily count are the fleet's; the local ledger keeps a copy in the spool
        SharedWarmups fleetWarmups = cluster == null ? null : SharedWarmups.start(warmups, cluster, clock);
        Shaper shaper = new Shaper(config.shaping(), pools, domain -> mxHosts(resolver, domain),
                fleetWarmups != null ? fleetWarmups : warmups,
                listings, classifier, log, clock, System::nanoTime, RandomGenerator.getDefault(),
                config.shaping().window(),
                cluster == null ? LaneState.Factory.LOCAL : new sluice.cluster.RedisLaneStates(cluster)).start();
        try {
            RetryPolicy policy = new RetryPolicy(d.retrySchedule(), d.maxQueueLifetime(), d.delayWarning());
            DsnNotices notices = new DsnNotices(spool, ingest, config.hostname(), d.maxQueueLifetime(), clock);
            Scheduler scheduler = new Scheduler(spool, new Router(config.localDomains(), d.smarthosts()),
                    new Transports(local, remote), policy, notices, log, clock,
                    new Scheduler.Settings(d.connectionsPerDestination(), 20_000), suppressed, classifier, shaper);
            scheduler.outbox(outbox);
            ingest.onAccepted(scheduler::enqueue);
            listings.start(); // before the queue starts: the first check is under way when the first job is drawn
            int recovered = scheduler.start();
            Delivery started = new Delivery(scheduler, remote, resolver, shaper, listings, warmups, recovered);
            started.fleetWarmups = fleetWarmups;
            started.tlsReports = tlsReports;
            started.transit = transit;
            return started;
        } catch (SpoolException | RuntimeException e) {
            // The node closes the spool next: stop the threads that would keep using it.
            transit.close();
            shaper.close();
            listings.close();
            if (fleetWarmups != null) fleetWarmups.close();
            warmups.close();
            throw e;
        }
    }

    /** A domain's MX host names for shaping's "mx:" groups (from the resolver's cache); null when unknown now. */
    private static List<String> mxHosts(Resolver resolver, String domain) {
        return switch (resolver.mx(domain)) {
            case MxAnswer.Hosts h -> h.hosts().stream().map(MxHost::host).toList();
            case MxAnswer.TempFail t -> null;
            default -> List.of();
        };
    }

    /** DANE and MTA-STS as delivery uses them (doctor and metrics read their state). */
    Transit transit() {
        return transit;
    }

    /** What each egress source may send to each destination group now. */
    public Shaper shaper() {
        return shaper;
    }

    /** The blocklist checks of the egress sources' own addresses. */
    public SourceListings listings() {
        return listings;
    }

    /** Each warming source's day and count per destination group (for the API, the CLI and the metrics). */
    public Warmups warmups() {
        return warmups;
    }

    /** The fleet's warm-up ledger, or null on a single node. */
    public SharedWarmups fleetWarmups() {
        return fleetWarmups;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /** The resolver of outbound delivery (its {@code stats()} feed the DNS metrics). */
    public Resolver resolver() {
        return resolver;
    }

    /**
     * Where remote deliveries tell each attempt's TLS result, for the daily RFC 8460 reports ({@code tls_reports =
     * false}: nowhere).
     */
    public TlsReportSink tlsReportSink() {
        return tlsReports == null ? TlsReportSink.none() : tlsReports;
    }

    /** The counts the reports are made from, or null when {@code tls_reports = false}. */
    public TlsReportBook tlsReports() {
        return tlsReports;
    }

    /** Messages found in the spool at start. */
    public int recovered() {
        return recovered;
    }

    void close(Duration grace) {
        listings.close();
        scheduler.close(grace);
        shaper.close();
        if (fleetWarmups != null) fleetWarmups.close(); // gives back the allowance not used, for the others today
        warmups.close(); // saves the last counts while the spool is still open (the node closes it after this)
        remote.close();
        transit.close();
        if (tlsReports != null) tlsReports.flush(); // the last rounds' attempts, before the node closes the spool
    }

}
