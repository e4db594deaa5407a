package sluice.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import sluice.auth.UserStore;
import sluice.cluster.Cluster;
import sluice.cluster.SharedCounts;
import sluice.admin.AdminServer;
import sluice.admin.ShapingPage;
import sluice.config.Config;
import sluice.config.ConfigException;
import sluice.config.ConfigLoader;
import sluice.queue.DsnNotices;
import sluice.queue.QueueActions;
import sluice.queue.QueueControl;
import sluice.dns.Resolver;
import sluice.policy.Dnsbl;
import sluice.mailauth.DkimSigner;
import sluice.mailauth.RsaEngine;
import sluice.mailauth.MailAuthenticator;
import sluice.observe.Alerts;
import sluice.observe.DeliveryLog;
import sluice.observe.Events;
import sluice.policy.HardBounceSuppression;
import sluice.policy.SuppressionList;
import sluice.queue.Scheduler;
import sluice.observe.MetricSources;
import sluice.observe.Metrics;
import sluice.observe.ShapingGauges;
import sluice.shaping.Shaper;
import sluice.observe.Stats;
import sluice.policy.LocalRecipients;
import sluice.queue.Ingest;
import sluice.send.Injector;
import sluice.observe.EventOutbox;
import sluice.observe.Webhooks;
import sluice.admin.WebhooksPage;
import sluice.spool.Spool;
import sluice.spool.SpoolException;
import sluice.smtp.Addresses;
import sluice.server.BoundListener;
import sluice.server.ListenerBindException;
import sluice.server.Server;
import sluice.server.TlsContexts;
import sluice.server.TlsSetupException;

/** One running Sluice: spool, delivery log, users, TLS, listeners and delivery, started and stopped together. */
public final class Node implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Node.class);
    private final Config config; // as started: what only a restart changes
    private final Spool spool;
    private final DeliveryLog deliveryLog;
    private final UserStore users;
    private final Server server;
    private final List<BoundListener> listeners;
    private final Delivery delivery;
    private final AdminServer admin;
    private final AutoCloseable alerts;
    private final SuppressionList suppressions;
    private final Cluster cluster;
    private final Drain drain;
    private SharedCounts sharedLimits;
    private sluice.transit.TlsReporter tlsReporter;
    private Reloader reloader;

    private Node(Config config, Spool spool, DeliveryLog deliveryLog, UserStore users, Server server,
                 List<BoundListener> listeners, Delivery delivery, AdminServer admin, SuppressionList suppressions,
                 Cluster cluster, Drain drain, AutoCloseable alerts) {
        this.cluster = cluster;
        this.drain = drain;
        this.delivery = delivery;
        this.suppressions = suppressions;
        this.admin = admin;
        this.alerts = alerts;
        this.config = config;
        this.spool = spool;
        this.deliveryLog = deliveryLog;
        this.users = users;
        this.server = server;
        this.listeners = listeners;
    }

    /** A part could not be started; the message is the operator's one line. */
    public static final class StartException extends Exception {
        private final boolean configProblem;

        StartException(String message, boolean configProblem) {
            super(message);
            this.configProblem = configProblem;
        }

        /** True for a problem in what the operator configured (exit 2), false for a runtime one (exit 1). */
        public boolean configProblem() {
            return configProblem;
        }
    }

    /**
     * Builds and starts every part.
     *
     * @throws ConfigException when aliases or catch-alls loop or name addresses that do not exist (checked against
     *                         the users in the data dir, before anything is opened)
     */
    public static Node start(Config config, Clock clock) throws StartException, IOException, ConfigException {
        try {
            Server.checkPorts(config.listeners(), sluice.config.HostPort.parse(config.admin().address(), true));
        } catch (ListenerBindException e) {
            throw new StartException(e.getMessage(), false);
        }
        Files.createDirectories(config.dataDir());
        UserStore users;
        try {
            users = UserStore.open(config.dataDir());
        } catch (IllegalStateException e) {
            throw new StartException(e.getMessage(), false);
        }
        LocalRecipients recipients = new LocalRecipients(config.localDomains(), config.local().aliases(),
                config.local().catchAll(), name -> users.find(name).isPresent());
        ConfigException aliasProblems = ConfigLoader.located(config, recipients.problems());
        if (aliasProblems != null) throw aliasProblems;
        TlsContexts tls;
        try {
            tls = TlsContexts.load(config.tls(), config.dataDir(), config.hostname());
        } catch (TlsSetupException e) {
            throw new StartException("tls: " + e.getMessage(), true);
        }
        Path spoolDir = config.dataDir().resolve("spool");
        Spool spool;
        try {
            spool = Spool.open(spoolDir, config.spool().diskReserve(), config.spool().directIo());
        } catch (SpoolException e) {
            throw new StartException(e.openProblem(config.dataDir()), false);
        }
        Started started = new Started();
        started.add(spool::close);
        DeliveryLog deliveryLog;
        try {
            deliveryLog = DeliveryLog.open(config.log(), clock);
        } catch (IOException e) {
            throw started.fail("cannot open the delivery log " + config.log().deliveryLog() + ": " + e.getMessage(), false);
        }
        started.add(deliveryLog::close);
        String nodeName = config.cluster().nodeName().isEmpty() ? config.hostname() : config.cluster().nodeName();
        // the queue's size is known once delivery runs; the heartbeat reads it through this
        java.util.concurrent.atomic.AtomicReference<java.util.function.LongSupplier> queueSize =
                new java.util.concurrent.atomic.AtomicReference<>(() -> 0);
        // ... and whether it is draining, once the drain exists
        java.util.concurrent.atomic.AtomicReference<java.util.function.Supplier<String>> ownState =
                new java.util.concurrent.atomic.AtomicReference<>(() -> null);
        Cluster cluster = null;
        if (config.cluster().enabled()) {
            try {
                cluster = started.add(Cluster.start(config.cluster(), nodeName, () -> queueSize.get().getAsLong(),
                        () -> ownState.get().get(), clock));
            } catch (IOException e) {
                throw started.fail("cluster: " + e.getMessage(), true);
            }
        }
        Stats stats = new Stats(clock);
        try {
            stats.restore(config.log().deliveryLog());
        } catch (IOException | RuntimeException e) {
            log.warn("statistics: cannot read {}: {} (starting from zero)", config.log().deliveryLog(), e.toString());
        }
        Resolver inboundDns = config.mailauth().verify() || !config.mailauth().dnsbl().isEmpty()
                ? Resolver.create(config.delivery().dnsServers(), config.delivery().dnsTimeout(), clock) : null;
        Dnsbl dnsbl = config.mailauth().dnsbl().isEmpty() ? null : new Dnsbl(config.mailauth().dnsbl(), inboundDns);
        MailAuthenticator auth;
        try {
            auth = new MailAuthenticator(config.dkim().isEmpty() ? null : DkimSigner.fromConfig(config.dkim(), clock, RsaEngine.NATIVE),
                    config.mailauth().verify() ? inboundDns : null,
                    config.hostname(), config.mailauth().dmarcReject().equals("reject"), clock);
        } catch (IOException e) {
            throw started.fail("dkim: " + e.getMessage(), true);
        }
        SuppressionList suppressions;
        try {
            suppressions = started.add(SuppressionList.open(spool, config.dataDir(), clock)); // closes its replica too
        } catch (IOException e) {
            throw started.fail(e.getMessage(), false);
        }
        sluice.cluster.SuppressionReplica replica = null;
        try {
            if (cluster != null) replica = sluice.cluster.SuppressionReplica.start(cluster, suppressions, spool);
        } catch (SpoolException e) {
            throw started.fail("suppression list: " + e.getMessage(), false);
        }
        Events events = new Events().subscribe(deliveryLog).subscribe(stats).subscribe(new HardBounceSuppression(suppressions));
        Webhooks webhooks = null;
        if (!config.webhooks().isEmpty()) {
            try {
                webhooks = started.add(Webhooks.start(config.webhooks(), spool, clock));
            } catch (IOException e) {
                // a secret or CA file the operator named (a spool failure is a runtime one)
                throw started.fail(e.getMessage(), !(e instanceof SpoolException));
            }
            events.subscribe(webhooks);
        }
        Webhooks hooks = webhooks;
        Ingest ingest = new Ingest(spool, events, clock);
        if (hooks != null) ingest.outbox(hooks.outbox());
        Delivery delivery = null;
        if (!config.delivery().paused()) {
            try {
                Scheduler.Suppressed drop = !config.mailauth().suppression().equals("drop") ? Scheduler.Suppressed.NONE
                        : (senderDomain, rcpt) -> {
                            SuppressionList.Entry e = suppressions.find(senderDomain, rcpt);
                            return e == null ? null : e.reason();
                        };
                delivery = Delivery.start(config, spool, ingest, recipients, events, drop,
                        hooks == null ? EventOutbox.NONE : hooks.outbox(), cluster, clock);
            } catch (SpoolException | IllegalArgumentException e) {
                throw started.fail("cannot start delivery: " + e.getMessage(), e instanceof IllegalArgumentException);
            }
            Delivery running = delivery;
            started.add(() -> running.close(java.time.Duration.ZERO));
        }
        QueueControl control = delivery != null ? delivery.scheduler() : new QueueActions(spool,
                new DsnNotices(spool, ingest, config.hostname(), config.delivery().maxQueueLifetime(), clock), events, clock)
                .outbox(hooks == null ? EventOutbox.NONE : hooks.outbox());
        // Counting walks the whole index (or, delivery paused, the spool); the dashboard, /metrics and the alerts
        // all ask, so one count serves them for a few seconds.
        AdminServer.QueueCounts counts = cached(delivery != null ? countsOf(delivery.scheduler()) : countsOf(spool, clock));
        var a = config.admin();
        Alerts alerts = new Alerts(stats, () -> counts.byState().values().stream().mapToLong(Long::longValue).sum(),
                a.alertBounceRate(), a.alertMinDeliveries(), a.alertQueueGrowth(), clock);
        Delivery d = delivery;
        queueSize.set(() -> counts.byState().values().stream().mapToLong(Long::longValue).sum());
        Metrics metrics = new Metrics(new MetricSources(() -> ints(counts.byState()), () -> ints(counts.byDestination()),
                d == null ? null : () -> d.resolver().stats(), () -> treeSize(config.dataDir().resolve("spool")),
                () -> freeSpace(config.dataDir()))).alerts(alerts).diskReserve(config.spool().diskReserve());
        if (d != null) {
            alerts.include(d.listings()::alerts);
            alerts.include(d.shaper()::alerts);
            metrics.egressListings(d.listings()::metricStates);
            metrics.shaping(shapingGauges(d.shaper()));
        }
        metrics.suppression(suppressions::size, suppressions::pendingWrites, suppressions::refusedWrites);
        Cluster shared = cluster;
        if (shared != null) {
            metrics.cluster(shared.health()::degraded, shared.membership()::alive, shared.redis()::calls,
                    shared.redis()::failures);
            metrics.suppressionReplica(replica::waiting, replica::published, replica::applied, replica::overflowed);
            alerts.include(() -> shared.health().degraded() ? List.of(new Alerts.Alert("cluster",
                    "Redis is unreachable (" + shared.health().lastError() + "): this node keeps to "
                            + java.math.BigDecimal.valueOf(shared.membership().share()).setScale(3, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString()
                            + " of every shared limit", shared.health().degradedSince())) : List.of());
        }
        events.subscribe(metrics);
        if (hooks != null) metrics.webhooks(hooks);
        // per-IP and per-user rates and AUTH lockouts that hold for the fleet (a background sync, never a session)
        SharedCounts limits = shared == null ? null : started.add(SharedCounts.start(shared, clock));
        Server server = new Server(config, ingest, events, users, recipients,
                config.mailauth().suppression().equals("refuse") ? suppressions : null, dnsbl, auth, tls, clock,
                limits == null ? sluice.policy.SharedCounter.Source.NONE : limits,
                limits == null ? sluice.auth.SharedLockouts.NONE : limits.lockouts(config.auth()));
        Injector injector = new Injector(server::policy, ingest, auth, config.hostname(), config.limits().maxMessageSize(),
                config.limits().maxRecipients(), config.egress().poolNames(), clock);
        TlsReports.Running tlsReports = null;
        if (d != null && d.tlsReports() != null) {
            try {
                tlsReports = TlsReports.start(config, d.tlsReports(), d.resolver(), ingest, auth, clock);
            } catch (IOException e) {
                throw started.fail("tls reports: " + e.getMessage(), true); // ca_file unreadable
            }
            started.add(tlsReports.stop());
            TlsReports.Running r = tlsReports;
            metrics.tlsReports(d.tlsReports()::dropped, r.reporter()::sent, r.reporter()::failed);
        }
        if (d != null) metrics.transit(d.transit()::stsFetches, d.transit()::dnssecAnswers);
        TlsReports.Running reports = tlsReports;
        Drain drain = new Drain(server, d == null ? null : d.scheduler(), spool, config.delivery(), config.hostname(), clock);
        events.subscribe(drain);
        ownState.set(() -> drain.draining() ? "draining" : null);
        AdminServer admin;
        try {
            admin = AdminServer.start(config.admin(), new AdminServer.Parts(spool, control, counts, stats, alerts,
                    metrics::scrape, suppressions, injector, d == null ? null : d.listings(),
                    d == null ? null : new ShapingPage.Source(d.shaper()::lanes, d.shaper()::warmup),
                    hooks == null ? null : new WebhooksPage.Source(hooks, config.log().deliveryLog()),
                    shared == null ? () -> Cluster.single(nodeName) : shared::view, drain,
                    shared == null ? null : new sluice.cluster.SharedIdempotency(shared)), clock);
        } catch (AdminServer.StartException | IOException e) {
            throw started.fail(e.getMessage(), false);
        }
        started.add(admin::close);
        try {
            List<BoundListener> bound = server.start();
            AutoCloseable alertTimer = alerts.every(java.time.Duration.ofMinutes(1));
            IdleHeapTrim trim = IdleHeapTrim.start(java.time.Duration.ofMinutes(2));
            Node node = new Node(config, spool, deliveryLog, users, server, bound, delivery, admin, suppressions, shared, drain, () -> {
                trim.close();
                alertTimer.close();
                if (reports != null) reports.stop().close(); // queues through the spool: before it closes
                // after the listeners (no more rejections to store), before the spool closes
                if (hooks != null) hooks.close();
                if (limits != null) limits.close(); // the last counts and lockouts still reach the others
            });
            node.sharedLimits = limits;
            node.reloader = new Reloader(config, server, users, recipients, auth, injector,
                    d == null ? null : d.shaper(), hooks, clock);
            node.tlsReporter = reports == null ? null : reports.reporter();
            return node;
        } catch (ListenerBindException e) {
            throw started.fail(e.getMessage(), false);
        }
    }

    /** The shaper's views as the metrics read them (observe does not import the shaping room). */
    private static ShapingGauges.Sources shapingGauges(Shaper shaper) {
        return new ShapingGauges.Sources(
                () -> shaper.lanes().stream().map(v -> new ShapingGauges.Lane(v.source(), v.group(), v.ratePerSecond(),
                        v.connections(), v.backingOff() || v.suspended())).toList(),
                () -> shaper.warmup().stream().map(w -> new ShapingGauges.Warmup(w.source(), w.group(), w.sentToday(),
                        w.capToday())).toList());
    }

    private static java.util.Map<String, Integer> ints(java.util.Map<String, Long> m) {
        java.util.Map<String, Integer> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, (int) Math.min(Integer.MAX_VALUE, v)));
        return out;
    }

    /** Bytes of the files under {@code dir} (the spool: a few dozen RocksDB files, cheap to sum at scrape time). */
    private static long treeSize(Path dir) {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0; // compacted away while we looked
                }
            }).sum();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long freeSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Queue counts for the API, the dashboard and metrics scrapes, at most 3 s old. Computed on a platform thread
     * and never under a lock readers wait on: see {@link sluice.observe.RefreshingValue}.
     */
    static AdminServer.QueueCounts cached(AdminServer.QueueCounts counts) {
        return cached(counts, java.time.Duration.ofSeconds(3));
    }

    static AdminServer.QueueCounts cached(AdminServer.QueueCounts counts, java.time.Duration ttl) {
        var state = new sluice.observe.RefreshingValue<>("queue-counts-state", counts::byState, ttl);
        var destination = new sluice.observe.RefreshingValue<>("queue-counts-destination", counts::byDestination, ttl);
        return new AdminServer.QueueCounts() {
            public java.util.Map<String, Long> byState() {
                return state.get();
            }

            public java.util.Map<String, Long> byDestination() {
                return destination.get();
            }
        };
    }

    private static AdminServer.QueueCounts countsOf(sluice.queue.Scheduler scheduler) {
        return new AdminServer.QueueCounts() {
            public java.util.Map<String, Long> byState() {
                return scheduler.countsByState();
            }

            public java.util.Map<String, Long> byDestination() {
                return scheduler.messagesByDestination();
            }
        };
    }

    /** Delivery paused: the queue is counted from the spool (no scheduler index). */
    private static AdminServer.QueueCounts countsOf(Spool spool, Clock clock) {
        return new AdminServer.QueueCounts() {
            public java.util.Map<String, Long> byState() {
                java.util.Map<String, Long> out = new java.util.LinkedHashMap<>();
                for (String st : List.of("ready", "scheduled", "held", "active")) out.put(st, 0L);
                try {
                    spool.scan(m -> out.merge(sluice.queue.QueueView.state(m, clock.instant()), 1L, Long::sum));
                } catch (SpoolException e) {
                    log.warn("queue counts: {}", e.getMessage());
                }
                return out;
            }

            public java.util.Map<String, Long> byDestination() {
                java.util.Map<String, Long> out = new java.util.HashMap<>();
                try {
                    spool.scan(m -> sluice.queue.QueueView.pending(m).stream()
                            .map(Addresses::domainOf).distinct().forEach(d -> out.merge(d, 1L, Long::sum)));
                } catch (SpoolException e) {
                    log.warn("queue counts: {}", e.getMessage());
                }
                return out;
            }
        };
    }

    /**
     * Completes when a drain ({@code sluice drain}) has ended: the queue emptied or its timeout passed. Whoever runs
     * the node then closes it, as on SIGTERM.
     */
    public java.util.concurrent.CompletableFuture<sluice.admin.DrainPage.Status> drained() {
        return drain.ended();
    }

    /** The admin API's port (for tests that bind it to port 0). */
    public int adminPort() {
        return admin.port();
    }

    /** The queue manager and transports, or null when delivery is paused. */
    public Delivery delivery() {
        return delivery;
    }

    public List<BoundListener> listeners() {
        return listeners;
    }

    public Spool spool() {
        return spool;
    }

    /** The cluster's parts, or null on a single node. */
    public Cluster cluster() {
        return cluster;
    }

    /** The daily TLS reports' sender, or null when delivery is paused or {@code tls_reports = false}. */
    public sluice.transit.TlsReporter tlsReporter() {
        return tlsReporter;
    }

    /** The fleet's shared rate limits and lockouts, or null on a single node. */
    public SharedCounts sharedLimits() {
        return sharedLimits;
    }

    public SuppressionList suppressions() {
        return suppressions;
    }

    public UserStore users() {
        return users;
    }

    /** The config in force: the one started with, and what reloads changed since. */
    public Config config() {
        return reloader.config();
    }

    /**
     * Applies {@code next} (the config file read again, e.g. on SIGHUP): what can change live changes for the next
     * session, message and attempt; the rest is named as needing a restart. A part that cannot be loaded refuses the
     * whole reload and the node goes on unchanged.
     */
    public ReloadOutcome reload(Config next) {
        return reloader.reload(next);
    }

    /** The config file could not be read again: the reload is refused (logged as such) and nothing changes. */
    public ReloadOutcome reloadRefused(ConfigException unreadable) {
        return reloader.refuse(unreadable);
    }

    /**
     * Graceful stop: drain sessions (up to the configured shutdown timeout), let delivery rounds in flight settle,
     * then close log and spool.
     */
    @Override
    public void close() {
        server.shutdown(config.timeouts().shutdown());
        try {
            alerts.close();
        } catch (Exception ignored) {
            // stopping a timer thread
        }
        admin.close();
        if (delivery != null) delivery.close(config.timeouts().shutdown());
        drain.close(); // the handover's connections, after the last round
        suppressions.close(); // stores the hard bounces still queued, before the spool closes
        if (cluster != null) cluster.close(); // after delivery: leases and counters are given back first
        deliveryLog.close();
        spool.close();
    }
}
