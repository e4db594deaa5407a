package sluice.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import sluice.auth.UserStore;
import sluice.admin.AdminServer;
import sluice.config.Config;
import sluice.queue.DsnNotices;
import sluice.queue.QueueActions;
import sluice.queue.QueueControl;
import sluice.observe.DeliveryLog;
import sluice.policy.LocalRecipients;
import sluice.queue.Ingest;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/** One running Sluice: spool, delivery log, users, TLS, listeners and delivery, started and stopped together. */
public final class Node implements AutoCloseable {
    private final Config config;
    private final Spool spool;
    private final DeliveryLog deliveryLog;
    private final UserStore users;
    private final Server server;
    private final List<BoundListener> listeners;
    private final Delivery delivery;
    private final AdminServer admin;

    private Node(Config config, Spool spool, DeliveryLog deliveryLog, UserStore users, Server server,
                 List<BoundListener> listeners, Delivery delivery, AdminServer admin) {
        this.delivery = delivery;
        this.admin = admin;
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

    public static Node start(Config config, Clock clock) throws StartException, IOException {
        Files.createDirectories(config.dataDir());
        TlsContexts tls;
        try {
            tls = TlsContexts.load(config.tls(), config.dataDir(), config.hostname());
        } catch (TlsSetupException e) {
            throw new StartException("tls: " + e.getMessage(), true);
        }
        Path spoolDir = config.dataDir().resolve("spool");
        Spool spool;
        try {
            spool = Spool.open(spoolDir, config.spool().diskReserve());
        } catch (SpoolException e) {
            throw new StartException("cannot open the spool in " + spoolDir + ": " + e.getMessage()
                    + " (is another sluice running with this data dir?)", false);
        }
        DeliveryLog deliveryLog;
        try {
            deliveryLog = DeliveryLog.open(config.log(), clock);
        } catch (IOException e) {
            spool.close();
            throw new StartException("cannot open the delivery log " + config.log().deliveryLog() + ": " + e.getMessage(), false);
        }
        UserStore users = UserStore.open(config.dataDir());
        LocalRecipients recipients = new LocalRecipients(config.localDomains(), config.local().aliases(),
                config.local().catchAll(), name -> users.find(name).isPresent());
        Ingest ingest = new Ingest(spool, deliveryLog, clock);
        Delivery delivery = null;
        if (!config.delivery().paused()) {
            try {
                delivery = Delivery.start(config, spool, ingest, recipients, deliveryLog, clock);
            } catch (SpoolException | IllegalArgumentException e) {
                deliveryLog.close();
                spool.close();
                throw new StartException("cannot start delivery: " + e.getMessage(), e instanceof IllegalArgumentException);
            }
        }
        QueueControl control = delivery != null ? delivery.scheduler() : new QueueActions(spool,
                new DsnNotices(spool, ingest, config.hostname(), config.delivery().maxQueueLifetime(), clock), deliveryLog, clock);
        AdminServer admin;
        try {
            admin = AdminServer.start(config.admin(), spool, control, clock);
        } catch (AdminServer.StartException | IOException e) {
            if (delivery != null) delivery.close(java.time.Duration.ZERO);
            deliveryLog.close();
            spool.close();
            throw new StartException(e.getMessage(), false);
        }
        Server server = new Server(config, ingest, deliveryLog, users, recipients, tls, clock);
        try {
            return new Node(config, spool, deliveryLog, users, server, server.start(), delivery, admin);
        } catch (ListenerBindException e) {
            admin.close();
            if (delivery != null) delivery.close(java.time.Duration.ZERO);
            deliveryLog.close();
            spool.close();
            throw new StartException(e.getMessage(), false);
        }
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

    public UserStore users() {
        return users;
    }

    public Config config() {
        return config;
    }

    /**
     * Graceful stop: drain sessions (up to the configured shutdown timeout), let delivery rounds in flight settle,
     * then close log and spool.
     */
    @Override
    public void close() {
        server.shutdown(config.timeouts().shutdown());
        admin.close();
        if (delivery != null) delivery.close(config.timeouts().shutdown());
        deliveryLog.close();
        spool.close();
    }
}
