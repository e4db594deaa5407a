package sluice.node;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import sluice.bounce.BounceClassifier;
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
import sluice.observe.EventSink;
import sluice.policy.LocalRecipients;
import sluice.queue.DsnNotices;
import sluice.queue.Ingest;
import sluice.queue.RetryPolicy;
import sluice.queue.Scheduler;
import sluice.shaping.Shaper;
import sluice.shaping.SourceHealth;
import sluice.shaping.WarmupLedger;
import sluice.spool.Envelope;
import sluice.spool.Recipient;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/** The outbound half of a node wired together: resolver, transports, DSNs and the queue manager. */
public final class Delivery {
    private final Scheduler scheduler;
    private final RemoteTransport remote;
    private final Resolver resolver;
    private final Shaper shaper;
    private final int recovered;

    private Delivery(Scheduler scheduler, RemoteTransport remote, Resolver resolver, Shaper shaper, int recovered) {
        this.scheduler = scheduler;
        this.shaper = shaper;
        this.remote = remote;
        this.resolver = resolver;
        this.recovered = recovered;
    }

    static Delivery start(Config config, Spool spool, Ingest ingest, LocalRecipients recipients, EventSink log,
                          Scheduler.Suppressed suppressed, Clock clock) throws SpoolException {
        var d = config.delivery();
        BounceClassifier classifier;
        try {
            classifier = d.bounceRules() == null ? new BounceClassifier() : BounceClassifier.load(d.bounceRules());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("bounce_rules " + d.bounceRules() + ": " + e.getMessage(), e);
        }
        Resolver resolver = Resolver.create(d.dnsServers(), d.dnsTimeout(), clock);
        Maildir maildir = new Maildir(Path.of(config.local().maildirRoot()), config.hostname(), clock);
        LocalTransport local = new LocalTransport(recipients, maildir, (sender, rcpts, data, origin) -> {
            String id = ingest.newId();
            List<Recipient> list = rcpts.stream().map(r -> Recipient.pending(r, null, null)).toList();
            ingest.accept(id, new Envelope(sender, list, clock.instant(), data.length,
                    Map.of("mode", "forward", "forwarded_from", origin)), data);
            return id;
        });
        EgressPools pools = new EgressPools(config.egress(), RandomGenerator.getDefault());
        RemoteTransport remote = new RemoteTransport(resolver, d, config.hostname(),
                d.replyTimeout() == null ? Timeouts.rfc5321() : Timeouts.uniform(d.replyTimeout()), clock, pools);
        Shaper shaper = new Shaper(config.shaping(), pools, domain -> mxHosts(resolver, domain), WarmupLedger.NONE,
                SourceHealth.ALL, classifier, log, clock, System::nanoTime, RandomGenerator.getDefault(),
                config.shaping().window()).start();
        RetryPolicy policy = new RetryPolicy(d.retrySchedule(), d.maxQueueLifetime(), d.delayWarning());
        DsnNotices notices = new DsnNotices(spool, ingest, config.hostname(), d.maxQueueLifetime(), clock);
        Scheduler scheduler = new Scheduler(spool, new Router(config.localDomains(), d.smarthosts()),
                new Transports(local, remote), policy, notices, log, clock,
                new Scheduler.Settings(d.connectionsPerDestination(), 20_000), suppressed, classifier, shaper);
        ingest.onAccepted(scheduler::enqueue);
        int recovered = scheduler.start();
        return new Delivery(scheduler, remote, resolver, shaper, recovered);
    }

    /** A domain's MX host names for shaping's "mx:" groups (from the resolver's cache); null when unknown now. */
    private static List<String> mxHosts(Resolver resolver, String domain) {
        return switch (resolver.mx(domain)) {
            case MxAnswer.Hosts h -> h.hosts().stream().map(MxHost::host).toList();
            case MxAnswer.TempFail t -> null;
            default -> List.of();
        };
    }

    /** What each egress source may send to each destination group now. */
    public Shaper shaper() {
        return shaper;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /** The resolver of outbound delivery (its {@code stats()} feed the DNS metrics). */
    public Resolver resolver() {
        return resolver;
    }

    /** Messages found in the spool at start. */
    public int recovered() {
        return recovered;
    }

    void close(Duration grace) {
        scheduler.close(grace);
        shaper.close();
        remote.close();
    }

}
