package sluice.node;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.admin.AdminServer;
import sluice.admin.ShapingPage;
import sluice.admin.WebhooksPage;
import sluice.auth.SharedLockouts;
import sluice.auth.UserStore;
import sluice.cluster.Cluster;
import sluice.cluster.SharedCounts;
import sluice.cluster.SharedIdempotency;
import sluice.cluster.SuppressionReplica;
import sluice.config.Config;
import sluice.config.ConfigException;
import sluice.config.ConfigLoader;
import sluice.config.HostPort;
import sluice.dns.Resolver;
import sluice.mailauth.DkimSigner;
import sluice.mailauth.MailAuthenticator;
import sluice.mailauth.RsaEngine;
import sluice.observe.Alerts;
import sluice.observe.DeliveryLog;
import sluice.observe.EventOutbox;
import sluice.observe.Events;
import sluice.observe.Metrics;
import sluice.observe.Stats;
import sluice.observe.Webhooks;
import sluice.policy.Dnsbl;
import sluice.policy.HardBounceSuppression;
import sluice.policy.LocalRecipients;
import sluice.policy.SharedCounter;
import sluice.policy.SuppressionList;
import sluice.queue.DsnNotices;
import sluice.queue.Ingest;
import sluice.queue.QueueActions;
import sluice.queue.QueueControl;
import sluice.queue.Scheduler;
import sluice.send.Injector;
import sluice.server.BoundListener;
import sluice.server.ListenerBindException;
import sluice.server.Server;
import sluice.server.TlsContexts;
import sluice.server.TlsSetupException;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * A node's start sequence ({@link Node#start}): builds the parts from the config and starts them in order, one step
 * per part. Until the spool opens a step only checks; from then on a step that fails closes what started before it,
 * newest first ({@link Started}). What runs is handed to the {@link Node}, which stops it in reverse. One use.
 */
final class Startup {
    // logs as the node always has: the pattern prints %logger{0}, and the operator's line reads "Node: statistics: ..."
    private static final Logger log = LoggerFactory.getLogger(Node.class);
    private final Config config;
    private final Clock clock;
    // the queue's size is known once delivery runs; the cluster's heartbeat reads it through this
    private final AtomicReference<LongSupplier> queueSize = new AtomicReference<>(() -> 0);
    // ... and whether it is draining, once the drain exists
    private final AtomicReference<Supplier<String>> ownState = new AtomicReference<>(() -> null);
    private Started started; // from the spool on
    private UserStore users;
    private LocalRecipients recipients;
    private TlsContexts tls;
    private Spool spool;
    private DeliveryLog deliveryLog;
    private String nodeName;
    private Cluster cluster; // null: a single node
    private Stats stats;
    private Dnsbl dnsbl;
    private MailAuthenticator auth;
    private SuppressionList suppressions;
    private SuppressionReplica replica; // null: a single node
    private Events events;
    private Webhooks hooks; // null: no endpoints
    private Ingest ingest;
    private Delivery delivery; // null: delivery paused
    private QueueControl control;
    private AdminServer.QueueCounts counts;
    private Alerts alerts;
    private Metrics metrics;
    private SharedCounts limits; // null: a single node
    private Server server;
    private Injector injector;
    private TlsReports.Running reports; // null: delivery paused or no TLS reports
    private Drain drain;
    private AdminServer admin;

    Startup(Config config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** The steps in their order: the order parts start in, and the reverse of the order a failure closes them in. */
    Node run() throws Node.StartException, IOException, ConfigException {
        checkPorts();
        openUsers();
        loadTls();
        openSpool();
        try {
            return runFromSpool();
        } catch (Node.StartException e) {
            throw e; // the step that failed closed what had started
        } catch (RuntimeException | Error e) {
            started.closeAll(); // a failure no step expected closes them too: the spool's lock is not left held
            throw e;
        }
    }

    private Node runFromSpool() throws Node.StartException {
        openDeliveryLog();
        joinCluster();
        restoreStats();
        prepareMailAuth();
        openSuppressions();
        startEvents();
        startDelivery();
        countQueue();
        watch();
        prepareServer();
        startTlsReports();
        prepareDrain();
        startAdmin();
        return bindListeners();
    }

    private void checkPorts() throws Node.StartException {
        try {
            Server.checkPorts(config.listeners(), HostPort.parse(config.admin().address(), true));
        } catch (ListenerBindException e) {
            throw new Node.StartException(e.getMessage(), false);
        }
    }

    /** The users in the data dir, and the local recipients checked against them before anything is opened. */
    private void openUsers() throws Node.StartException, IOException, ConfigException {
        Files.createDirectories(config.dataDir());
        try {
            users = UserStore.open(config.dataDir());
        } catch (IllegalStateException e) {
            throw new Node.StartException(e.getMessage(), false);
        }
        UserStore known = users;
        recipients = new LocalRecipients(config.localDomains(), config.local().aliases(),
                config.local().catchAll(), name -> known.find(name).isPresent());
        ConfigException aliasProblems = ConfigLoader.located(config, recipients.problems());
        if (aliasProblems != null) throw aliasProblems;
    }

    private void loadTls() throws Node.StartException {
        try {
            tls = TlsContexts.load(config.tls(), config.dataDir(), config.hostname());
        } catch (TlsSetupException e) {
            throw new Node.StartException("tls: " + e.getMessage(), true);
        }
    }

    private void openSpool() throws Node.StartException {
        Path spoolDir = config.dataDir().resolve("spool");
        try {
            spool = Spool.open(spoolDir, config.spool().diskReserve(), config.spool().directIo());
        } catch (SpoolException e) {
            throw new Node.StartException(e.openProblem(config.dataDir()), false);
        }
        started = new Started();
        started.add(spool::close);
    }

    private void openDeliveryLog() throws Node.StartException {
        try {
            deliveryLog = DeliveryLog.open(config.log(), clock);
        } catch (IOException e) {
            throw started.fail("cannot open the delivery log " + config.log().deliveryLog() + ": " + e.getMessage(), false);
        }
        started.add(deliveryLog::close);
    }

    private void joinCluster() throws Node.StartException {
        nodeName = config.cluster().nodeName().isEmpty() ? config.hostname() : config.cluster().nodeName();
        if (!config.cluster().enabled()) return;
        var size = queueSize;
        var state = ownState;
        try {
            cluster = started.add(Cluster.start(config.cluster(), nodeName, () -> size.get().getAsLong(),
                    () -> state.get().get(), clock));
        } catch (IOException e) {
            throw started.fail("cluster: " + e.getMessage(), true);
        }
    }

    private void restoreStats() {
        stats = new Stats(clock);
        try {
            stats.restore(config.log().deliveryLog());
        } catch (IOException | RuntimeException e) {
            log.warn("statistics: cannot read {}: {} (starting from zero)", config.log().deliveryLog(), e.toString());
        }
    }

    /** The inbound checks' DNS (DNSBL, SPF/DKIM/DMARC), and DKIM signing. */
    private void prepareMailAuth() throws Node.StartException {
        Resolver inboundDns = config.mailauth().verify() || !config.mailauth().dnsbl().isEmpty()
                ? Resolver.create(config.delivery().dnsServers(), config.delivery().dnsTimeout(), clock) : null;
        dnsbl = config.mailauth().dnsbl().isEmpty() ? null : new Dnsbl(config.mailauth().dnsbl(), inboundDns);
        try {
            auth = new MailAuthenticator(config.dkim().isEmpty() ? null : DkimSigner.fromConfig(config.dkim(), clock, RsaEngine.NATIVE),
                    config.mailauth().verify() ? inboundDns : null,
                    config.hostname(), config.mailauth().dmarcReject().equals("reject"), clock);
        } catch (IOException e) {
            throw started.fail("dkim: " + e.getMessage(), true);
        }
    }

    private void openSuppressions() throws Node.StartException {
        try {
            suppressions = started.add(SuppressionList.open(spool, config.dataDir(), clock)); // closes its replica too
        } catch (IOException e) {
            throw started.fail(e.getMessage(), false);
        }
        try {
            if (cluster != null) replica = SuppressionReplica.start(cluster, suppressions, spool);
        } catch (SpoolException e) {
            throw started.fail("suppression list: " + e.getMessage(), false);
        }
    }

    /** Where events go (the delivery log, statistics, hard-bounce suppression, webhooks), and the door to the queue. */
    private void startEvents() throws Node.StartException {
        events = new Events().subscribe(deliveryLog).subscribe(stats).subscribe(new HardBounceSuppression(suppressions));
        if (!config.webhooks().isEmpty()) {
            try {
                hooks = started.add(Webhooks.start(config.webhooks(), spool, clock));
            } catch (IOException e) {
                // a secret or CA file the operator named (a spool failure is a runtime one)
                throw started.fail(e.getMessage(), !(e instanceof SpoolException));
            }
            events.subscribe(hooks);
        }
        ingest = new Ingest(spool, events, clock);
        if (hooks != null) ingest.outbox(hooks.outbox());
    }

    private void startDelivery() throws Node.StartException {
        if (config.delivery().paused()) return;
        SuppressionList list = suppressions;
        try {
            Scheduler.Suppressed drop = !config.mailauth().suppression().equals("drop") ? Scheduler.Suppressed.NONE
                    : (senderDomain, rcpt) -> {
                        SuppressionList.Entry e = list.find(senderDomain, rcpt);
                        return e == null ? null : e.reason();
                    };
            delivery = Delivery.start(config, spool, ingest, recipients, events, drop, outbox(), cluster, clock);
        } catch (SpoolException | IllegalArgumentException e) {
            throw started.fail("cannot start delivery: " + e.getMessage(), e instanceof IllegalArgumentException);
        }
        Delivery running = delivery;
        started.add(() -> running.close(Duration.ZERO));
    }

    /** Where webhooks store the queue's events with its writes; none without endpoints. */
    private EventOutbox outbox() {
        return hooks == null ? EventOutbox.NONE : hooks.outbox();
    }

    /** The operator's actions on the queue, and its counts (delivery paused: from the spool). */
    private void countQueue() {
        control = delivery != null ? delivery.scheduler() : new QueueActions(spool,
                new DsnNotices(spool, ingest, config.hostname(), config.delivery().maxQueueLifetime(), clock), events, clock)
                .outbox(outbox());
        // Counting walks the whole index (or, delivery paused, the spool); the dashboard, /metrics and the alerts
        // all ask, so one count serves them for a few seconds.
        counts = Counts.cached(delivery != null ? Counts.of(delivery.scheduler()) : Counts.of(spool, clock));
    }

    /** Alerts and metrics over every part started so far. */
    private void watch() {
        AdminServer.QueueCounts queue = counts;
        var a = config.admin();
        alerts = new Alerts(stats, () -> Counts.total(queue), a.alertBounceRate(), a.alertMinDeliveries(),
                a.alertQueueGrowth(), clock);
        Delivery d = delivery;
        queueSize.set(() -> Counts.total(queue));
        metrics = new Metrics(Gauges.sources(config, queue, d)).alerts(alerts).diskReserve(config.spool().diskReserve());
        if (d != null) {
            alerts.include(d.listings()::alerts);
            alerts.include(d.shaper()::alerts);
            metrics.egressListings(d.listings()::metricStates);
            metrics.shaping(Gauges.shaping(d.shaper()));
        }
        metrics.suppression(suppressions::size, suppressions::pendingWrites, suppressions::refusedWrites);
        if (cluster != null) {
            Cluster shared = cluster;
            metrics.cluster(shared.health()::degraded, shared.membership()::alive, shared.redis()::calls,
                    shared.redis()::failures);
            metrics.suppressionReplica(replica::waiting, replica::published, replica::applied, replica::overflowed);
            alerts.include(() -> degraded(shared));
        }
        events.subscribe(metrics);
        if (hooks != null) metrics.webhooks(hooks);
    }

    /** The alert while Redis is unreachable: this node keeps to its share of every shared limit. */
    private static List<Alerts.Alert> degraded(Cluster shared) {
        return shared.health().degraded() ? List.of(new Alerts.Alert("cluster",
                "Redis is unreachable (" + shared.health().lastError() + "): this node keeps to "
                        + BigDecimal.valueOf(shared.membership().share()).setScale(3, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString()
                        + " of every shared limit", shared.health().degradedSince())) : List.of();
    }

    /** The SMTP server (its listeners are bound last) and the injector the HTTP send API uses. */
    private void prepareServer() {
        // per-IP and per-user rates and AUTH lockouts that hold for the fleet (a background sync, never a session)
        limits = cluster == null ? null : started.add(SharedCounts.start(cluster, clock));
        server = new Server(config, ingest, events, users, recipients,
                config.mailauth().suppression().equals("refuse") ? suppressions : null, dnsbl, auth, tls, clock,
                limits == null ? SharedCounter.Source.NONE : limits,
                limits == null ? SharedLockouts.NONE : limits.lockouts(config.auth()));
        injector = new Injector(server::policy, ingest, auth, config.hostname(), config.limits().maxMessageSize(),
                config.limits().maxRecipients(), config.egress().poolNames(), clock);
    }

    private void startTlsReports() throws Node.StartException {
        Delivery d = delivery;
        if (d != null && d.tlsReports() != null) {
            try {
                reports = TlsReports.start(config, d.tlsReports(), d.resolver(), ingest, auth, clock);
            } catch (IOException e) {
                throw started.fail("tls reports: " + e.getMessage(), true); // ca_file unreadable
            }
            started.add(reports.stop());
            metrics.tlsReports(d.tlsReports()::dropped, reports.reporter()::sent, reports.reporter()::failed);
        }
        // after the reports' counters: a scrape lists the series in the order they were registered
        if (d != null) metrics.transit(d.transit()::stsFetches, d.transit()::dnssecAnswers);
    }

    private void prepareDrain() {
        drain = new Drain(server, delivery == null ? null : delivery.scheduler(), spool, config.delivery(),
                config.hostname(), clock);
        events.subscribe(drain);
        Drain own = drain;
        ownState.set(() -> own.draining() ? "draining" : null);
    }

    private void startAdmin() throws Node.StartException {
        Delivery d = delivery;
        Cluster shared = cluster;
        String name = nodeName;
        try {
            admin = AdminServer.start(config.admin(), new AdminServer.Parts(spool, control, counts, stats, alerts,
                    metrics::scrape, suppressions, injector, d == null ? null : d.listings(),
                    d == null ? null : new ShapingPage.Source(d.shaper()::lanes, d.shaper()::warmup),
                    hooks == null ? null : new WebhooksPage.Source(hooks, config.log().deliveryLog()),
                    shared == null ? () -> Cluster.single(name) : shared::view, drain,
                    shared == null ? null : new SharedIdempotency(shared)), clock);
        } catch (AdminServer.StartException | IOException e) {
            throw started.fail(e.getMessage(), false);
        }
        started.add(admin::close);
    }

    /** Binds the listeners, last: from here on the node takes mail. */
    private Node bindListeners() throws Node.StartException {
        List<BoundListener> bound;
        try {
            bound = server.start();
        } catch (ListenerBindException e) {
            throw started.fail(e.getMessage(), false);
        }
        AutoCloseable alertTimer = alerts.every(Duration.ofMinutes(1));
        IdleHeapTrim trim = IdleHeapTrim.start(Duration.ofMinutes(2));
        TlsReports.Running r = reports;
        Webhooks w = hooks;
        SharedCounts l = limits;
        AutoCloseable background = () -> {
            trim.close();
            alertTimer.close();
            if (r != null) r.stop().close(); // queues through the spool: before it closes
            // after the listeners (no more rejections to store), before the spool closes
            if (w != null) w.close();
            if (l != null) l.close(); // the last counts and lockouts still reach the others
        };
        Reloader reloader = new Reloader(config, server, users, recipients, auth, injector,
                delivery == null ? null : delivery.shaper(), hooks, clock);
        return new Node(config, spool, deliveryLog, users, server, bound, delivery, admin, suppressions, cluster,
                drain, background, limits, r == null ? null : r.reporter(), reloader);
    }
}
