package sluice.server;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.auth.Lockout;
import sluice.auth.UserStore;
import sluice.config.Config;
import sluice.config.HostPort;
import sluice.config.IpLiterals;
import sluice.config.ListenerConfig;
import sluice.observe.DeliveryEvent;
import sluice.observe.EventSink;
import sluice.policy.ClientPolicy;
import sluice.policy.Dnsbl;
import sluice.policy.RateLimits;
import sluice.mailauth.MailAuthenticator;
import sluice.policy.LocalRecipients;
import sluice.policy.SuppressionList;
import sluice.policy.RelayRules;
import sluice.queue.Ingest;
import sluice.smtp.AuthResult;
import sluice.smtp.Session;
import sluice.smtp.SessionContext;

/** All SMTP listeners of one node: binds them, runs a virtual thread per connection, drains on shutdown. */
public final class Server {
    private static final Logger log = LoggerFactory.getLogger(Server.class);

    private volatile Config config; // config and tls replaced by a reload; a session reads them once, at its start
    private final Ingest ingest;
    private final UserStore users;
    private volatile TlsContexts tls;
    private final Clock clock;
    private final RelayRules relayRules;
    private final Lockout lockout;
    private final SuppressionList suppressions;
    private final SpoolSink sink;
    private final EventSink events;
    private final ConnectionLimits limits;
    private final Dnsbl dnsbl;
    private final RateLimits rates;
    private final RepeatedWarning proxyRefusals;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final List<ServerSocket> sockets = new ArrayList<>();
    private SessionTimeouts timeouts;
    private volatile boolean draining;

    /** {@code suppressions}: refused at RCPT (null: none are); {@code dnsbl}: asked at connect on mx listeners (null: none). */
    public Server(Config config, Ingest ingest, EventSink deliveryLog, UserStore users, LocalRecipients recipients,
                  SuppressionList suppressions, Dnsbl dnsbl, MailAuthenticator auth, TlsContexts tls, Clock clock) {
        this(config, ingest, deliveryLog, users, recipients, suppressions, dnsbl, auth, tls, clock,
                sluice.policy.SharedCounter.Source.NONE, sluice.auth.SharedLockouts.NONE);
    }

    /** A node of a cluster: {@code counters} and {@code lockouts} share the rate limits and AUTH lockouts. */
    public Server(Config config, Ingest ingest, EventSink deliveryLog, UserStore users, LocalRecipients recipients,
                  SuppressionList suppressions, Dnsbl dnsbl, MailAuthenticator auth, TlsContexts tls, Clock clock,
                  sluice.policy.SharedCounter.Source counters, sluice.auth.SharedLockouts lockouts) {
        this.suppressions = suppressions;
        this.dnsbl = dnsbl;
        this.rates = new RateLimits(config.limits(), clock, counters);
        this.proxyRefusals = new RepeatedWarning(org.slf4j.LoggerFactory.getLogger(Connection.class), clock, java.time.Duration.ofMinutes(1));
        this.config = config;
        this.ingest = ingest;
        this.users = users;
        this.tls = tls;
        this.clock = clock;
        this.relayRules = new RelayRules(config.localDomains(), config.trustedNetworks(), recipients);
        this.lockout = new Lockout(config.auth(), config.limits().ipv6Prefix(), clock, lockouts);
        this.sink = new SpoolSink(ingest, deliveryLog, auth, relayRules,
                config.egress().poolNames(), clock);
        this.events = deliveryLog;
        this.limits = new ConnectionLimits(config.limits());
    }

    /**
     * What a reload changes for the next session: certificates, limits, AUTH thresholds, trusted networks (the caller
     * has checked that the rest of {@code next} is what the listeners were started with, or says it needs a restart).
     * Sessions already open keep what they started with.
     *
     * @param shareCounts whether per-IP/per-user limits and lockout thresholds may change here (not while the fleet's
     *                    counters, set up at start, carry them)
     */
    public void reconfigure(Config next, TlsContexts nextTls, boolean shareCounts) {
        limits.update(next.limits());
        if (shareCounts) {
            rates.update(next.limits());
            lockout.update(next.auth());
        }
        relayRules.trust(next.trustedNetworks());
        this.tls = nextTls;
        this.config = next;
    }

    /** Binds every listener (all or none), then starts accepting. */
    public List<BoundListener> start() throws ListenerBindException {
        List<BoundListener> bound = new ArrayList<>();
        List<ServerSocket> opened = new ArrayList<>();
        try {
            for (ListenerConfig l : config.listeners()) {
                bound.add(bind(l, opened));
            }
        } catch (ListenerBindException e) {
            for (ServerSocket s : opened) closeQuietly(s);
            throw e;
        }
        sockets.addAll(opened);
        var t = config.timeouts();
        Duration shortest = Collections.min(List.of(t.command(), t.data(), t.handshake()));
        timeouts = new SessionTimeouts(connections, shortest);
        for (int i = 0; i < bound.size(); i++) {
            BoundListener b = bound.get(i);
            ServerSocket ss = opened.get(i);
            events.publish(new DeliveryEvent.ListenerStarted(clock.instant(), b.port(), b.config().mode().key()));
            Thread.ofVirtual().name("accept-" + b.port()).start(() -> acceptLoop(b, ss));
        }
        return bound;
    }

    /**
     * Binds every listener port and the admin port, and lets go: run before anything is created in the data dir, so a
     * port conflict leaves no data dir, certificate or token behind. (Sockets only listened on, never connected, leave
     * no TIME_WAIT: the real bind a moment later succeeds.)
     */
    public static void checkPorts(List<ListenerConfig> listeners, HostPort admin) throws ListenerBindException {
        List<ServerSocket> opened = new ArrayList<>();
        try {
            for (ListenerConfig l : listeners) bind(l, opened);
            if (admin != null && admin.port() != 0) {
                try {
                    opened.add(open(admin.host(), admin.port()));
                } catch (IOException e) {
                    throw new ListenerBindException("admin: " + why(admin.host(), admin.port(), e));
                }
            }
        } finally {
            for (ServerSocket s : opened) closeQuietly(s);
        }
    }

    private static BoundListener bind(ListenerConfig l, List<ServerSocket> opened) throws ListenerBindException {
        String shown = l.address() == null ? "*" : l.address();
        try {
            opened.add(open(l.address(), l.port()));
            return new BoundListener(l, shown, l.port(), null);
        } catch (BindException e) {
            boolean denied = String.valueOf(e.getMessage()).contains("Permission denied");
            if (denied && l.highPortFallback() && l.port() < 1024) {
                int alt = l.port() + 10000;
                try {
                    opened.add(open(l.address(), alt));
                    return new BoundListener(l, shown, alt,
                            "port " + l.port() + " needs root or CAP_NET_BIND_SERVICE; using " + alt + " instead");
                } catch (IOException e2) {
                    throw new ListenerBindException(why(shown, alt, e2));
                }
            }
            throw new ListenerBindException(why(shown, l.port(), e));
        } catch (IOException e) {
            throw new ListenerBindException(why(shown, l.port(), e));
        }
    }

    private static String why(String address, int port, IOException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("Address already in use")) return "port " + port + " on " + address + " is already in use";
        if (m.contains("Permission denied")) {
            return "port " + port + " on " + address + ": permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
        }
        return "cannot listen on port " + port + " on " + address + ": " + m;
    }

    private static ServerSocket open(String address, int port) throws IOException {
        ServerSocket ss = new ServerSocket();
        try {
            ss.setReuseAddress(true);
            InetSocketAddress at = address == null ? new InetSocketAddress(port)
                    : new InetSocketAddress(IpLiterals.toAddress(address), port);
            ss.bind(at, 1024);
            return ss;
        } catch (IOException e) {
            ss.close();
            throw e;
        }
    }

    private void acceptLoop(BoundListener b, ServerSocket ss) {
        while (!ss.isClosed()) {
            try {
                Socket s = ss.accept();
                Thread.ofVirtual().name("smtp-" + b.port()).start(new Connection(this, b.config(), b.port(), s));
            } catch (IOException e) {
                if (ss.isClosed()) return;
                log.warn("listener {}: accept failed: {}", b.port(), e.getMessage());
                try {
                    Thread.sleep(100); // e.g. out of file descriptors: do not spin
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    Session newSession(ListenerConfig l, int port, InetAddress client) {
        Config c = config; // one reading: a reload in between must not mix two configs in one session
        var limitsCfg = c.limits();
        var ctx = new SessionContext(c.hostname(), l.mode(), port, l.requireTls(), l.implicitTls(), tls != null,
                client, limitsCfg.maxMessageSize(), limitsCfg.maxRecipients(), limitsCfg.maxErrors(), clock);
        return new Session(ctx, policy(client, port), sink);
    }

    /**
     * The answers a client gets on {@code port}: relay rules, credentials with the shared lockout, storage. The HTTP
     * send API asks the same ones as the submission listeners.
     */
    public ClientPolicy policy(InetAddress client, int port) {
        return new ClientPolicy(client, relayRules, users, lockout, config.auth().failureDelay(),
                ingest::hasStorage, result -> events.publish(new DeliveryEvent.AuthAttempt(clock.instant(), port,
                        authResult(result)))).refusing(suppressions).limitedBy(rates);
    }

    /**
     * Closes the listening sockets (a drain: new connections are refused, so a load balancer or the next MX takes
     * them) and leaves the sessions already open to finish normally. Idempotent; {@link #shutdown} does it too.
     */
    public void stopAccepting() {
        synchronized (sockets) {
            for (ServerSocket s : sockets) closeQuietly(s);
        }
    }

    /** Sessions in a mail transaction (or a multi-step exchange) right now: a drain waits for their messages. */
    public int transactionsInFlight() {
        int n = 0;
        for (Connection c : connections) if (c.busy()) n++;
        return n;
    }

    /**
     * Stops accepting, tells idle sessions 421, lets transactions in flight finish (up to {@code grace}),
     * then closes whatever is left.
     */
    public void shutdown(Duration grace) {
        draining = true;
        stopAccepting();
        long deadline = System.nanoTime() + grace.toNanos();
        while (!connections.isEmpty() && System.nanoTime() < deadline) {
            for (Connection c : connections) c.drainIfIdle();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Connection c : connections) c.closeQuietly();
        if (!connections.isEmpty()) log.warn("shutdown: closed {} sessions still open after {}", connections.size(), grace);
        if (timeouts != null) timeouts.close();
    }

    private static void closeQuietly(ServerSocket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // shutting down
        }
    }

    private static String authResult(AuthResult r) {
        return switch (r) {
            case AuthResult.Success s -> "success";
            case AuthResult.Failure f -> "failure";
            case AuthResult.LockedOut l -> "locked_out";
            case AuthResult.Unavailable u -> "unavailable";
        };
    }

    /** Where connections report what they did (connection events, for metrics). */
    EventSink events() {
        return events;
    }

    Clock clock() {
        return clock;
    }

    Config config() {
        return config;
    }

    /** The warning for peers outside proxy_from, at most once a minute (sluice_connections_rejected_total counts all). */
    RepeatedWarning proxyRefusals() {
        return proxyRefusals;
    }

    RelayRules relayRules() {
        return relayRules;
    }

    RateLimits rates() {
        return rates;
    }

    /** The blocklists asked about clients of mx listeners, or null. */
    Dnsbl dnsbl() {
        return dnsbl;
    }

    ConnectionLimits limits() {
        return limits;
    }

    TlsContexts tls() {
        return tls;
    }

    boolean draining() {
        return draining;
    }

    void register(Connection c) {
        connections.add(c);
    }

    void unregister(Connection c) {
        connections.remove(c);
    }
}
