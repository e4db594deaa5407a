package sluice.delivery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.config.DeliveryConfig;
import sluice.config.IpLiterals;
import sluice.config.SmarthostConfig;

/**
 * The smarthost routes: a route's host and its failover hosts (same domains), each port in order with the one that
 * last worked first until {@code retry_preferred_after}, verified TLS and AUTH as configured. Transit security
 * (DANE, MTA-STS) never applies here.
 */
final class SmarthostRoutes {
    private static final Logger log = LoggerFactory.getLogger(SmarthostRoutes.class);

    /** Looks a host's addresses up, adding why there are none to the attempt's failures. */
    @FunctionalInterface
    interface Addresses {
        List<InetAddress> of(String host, AttemptFailures failures);
    }

    /** The smarthost port that last worked, and since when; the preferred (first) port is re-tried later. */
    private record PortChoice(int index, Instant since) {}

    private final DeliveryConfig config;
    private final String ehloName;
    private final Timeouts timeouts;
    private final Clock clock;
    private final SSLContext unauthenticated;
    private final Addresses addresses;
    private final Map<Integer, SSLContext> contexts = new ConcurrentHashMap<>();
    private final Map<Integer, PortChoice> ports = new ConcurrentHashMap<>();

    SmarthostRoutes(DeliveryConfig config, String ehloName, Timeouts timeouts, Clock clock, SSLContext unauthenticated,
                    Addresses addresses) {
        this.config = config;
        this.ehloName = ehloName;
        this.timeouts = timeouts;
        this.clock = clock;
        this.unauthenticated = unauthenticated;
        this.addresses = addresses;
    }

    List<Candidate> candidates(Destination.Smarthost s, AttemptFailures failures) {
        List<SmarthostConfig> all = config.smarthosts();
        List<Integer> group = new ArrayList<>();
        group.add(s.index());
        for (int i = 0; i < all.size(); i++) {
            if (i != s.index() && all.get(i).domains().equals(all.get(s.index()).domains())) group.add(i); // failover hosts
        }
        List<Candidate> out = new ArrayList<>();
        for (int index : group) {
            SmarthostConfig h = all.get(index);
            ClientSettings base;
            try {
                base = settings(index, h);
            } catch (IOException e) {
                failures.add(h.host(), e.getMessage());
                continue;
            }
            List<InetAddress> addrs = addresses.of(h.host(), failures);
            for (int p : portOrder(index, h)) {
                int port = h.ports().get(p);
                ClientSettings settings = h.implicitTlsPorts().contains(port)
                        ? base.withImplicitTls(base.sslContext()) : base;
                for (InetAddress a : addrs) {
                    out.add(new Candidate(h.host(), new InetSocketAddress(a, port), settings,
                            settings.tls() == TlsMode.OPPORTUNISTIC, index, p, null));
                }
            }
        }
        return out;
    }

    private ClientSettings settings(int index, SmarthostConfig h) throws IOException {
        Credentials credentials = null;
        if (h.username() != null) {
            String password = Files.readString(h.passwordFile()).strip();
            credentials = new Credentials(h.username(), password);
        }
        SSLContext ctx = h.verifyCertificate() ? contexts.get(index) : unauthenticated;
        if (ctx == null) {
            ctx = ClientTls.verifying(h.caFile());
            contexts.put(index, ctx);
        }
        // AUTH is only ever sent over TLS: with credentials, TLS is required whatever the policy says.
        TlsMode mode = credentials != null || "required".equals(h.tls()) ? TlsMode.REQUIRED : TlsMode.OPPORTUNISTIC;
        boolean verifyName = h.verifyCertificate() && IpLiterals.parse(h.host()) == null;
        return new ClientSettings(ehloName, config.connectTimeout(), timeouts, mode, false, ctx, h.host(), verifyName,
                credentials);
    }

    /** The working port first while it is fresh; after {@code retry_preferred_after}, the configured order again. */
    private List<Integer> portOrder(int index, SmarthostConfig h) {
        List<Integer> order = new ArrayList<>();
        PortChoice choice = ports.get(index);
        boolean fresh = choice != null && clock.instant().isBefore(choice.since().plus(h.retryPreferredAfter()));
        if (fresh && choice.index() < h.ports().size()) order.add(choice.index());
        for (int i = 0; i < h.ports().size(); i++) if (!order.contains(i)) order.add(i);
        return order;
    }

    /** Remembers the port that worked (logged when it changes). */
    void remember(Candidate c) {
        PortChoice old = ports.get(c.smarthost());
        if (old != null && old.index() == c.portIndex()) return;
        ports.put(c.smarthost(), new PortChoice(c.portIndex(), clock.instant()));
        if (old != null || c.portIndex() != 0) {
            log.warn("smarthost {}: now using port {}{}", c.host(), c.address().getPort(),
                    c.portIndex() == 0 ? " (the preferred port works again)" : " (earlier ports failed; the preferred one is re-tried later)");
        }
    }

    /** The port index each smarthost currently uses (for metrics and tests). */
    Map<Integer, Integer> portIndexes() {
        Map<Integer, Integer> out = new java.util.HashMap<>();
        ports.forEach((k, v) -> out.put(k, v.index()));
        return out;
    }
}
