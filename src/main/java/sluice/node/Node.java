package sluice.node;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import sluice.admin.AdminServer;
import sluice.auth.UserStore;
import sluice.cluster.Cluster;
import sluice.cluster.SharedCounts;
import sluice.config.Config;
import sluice.config.ConfigException;
import sluice.observe.DeliveryLog;
import sluice.policy.SuppressionList;
import sluice.server.BoundListener;
import sluice.server.Server;
import sluice.spool.Spool;

/**
 * One running Sluice: spool, delivery log, users, TLS, listeners and delivery, started and stopped together. The
 * start sequence is {@link Startup}'s; what it started is held here, and stopped here in reverse.
 */
public final class Node implements AutoCloseable {
    private final Config config; // as started: what only a restart changes
    private final Spool spool;
    private final DeliveryLog deliveryLog;
    private final UserStore users;
    private final Server server;
    private final List<BoundListener> listeners;
    private final Delivery delivery;
    private final AdminServer admin;
    private final AutoCloseable background; // the alert and heap-trim timers, TLS reports, webhooks, shared limits
    private final SuppressionList suppressions;
    private final Cluster cluster;
    private final Drain drain;
    private final SharedCounts sharedLimits;
    private final sluice.transit.TlsReporter tlsReporter;
    private final Reloader reloader;

    Node(Config config, Spool spool, DeliveryLog deliveryLog, UserStore users, Server server,
         List<BoundListener> listeners, Delivery delivery, AdminServer admin, SuppressionList suppressions,
         Cluster cluster, Drain drain, AutoCloseable background, SharedCounts sharedLimits,
         sluice.transit.TlsReporter tlsReporter, Reloader reloader) {
        this.cluster = cluster;
        this.drain = drain;
        this.delivery = delivery;
        this.suppressions = suppressions;
        this.admin = admin;
        this.background = background;
        this.config = config;
        this.spool = spool;
        this.deliveryLog = deliveryLog;
        this.users = users;
        this.server = server;
        this.listeners = listeners;
        this.sharedLimits = sharedLimits;
        this.tlsReporter = tlsReporter;
        this.reloader = reloader;
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
        return new Startup(config, clock).run();
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
            background.close();
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
