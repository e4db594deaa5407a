package sluice.shaping;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.config.EgressConfig;
import sluice.config.IpLiterals;
import sluice.dns.DnsblAnswer;
import sluice.dns.DnsblQuery;
import sluice.dns.Resolver;
import sluice.observe.Alerts;
import sluice.observe.DeliveryEvent;
import sluice.observe.EventSink;
import sluice.observe.Metrics;

/**
 * Sluice's own egress addresses checked against DNS blocklists ({@code [egress] dnsbl_zones}): at start, every
 * {@code dnsbl_interval}, and on demand ({@link #checkNow}, the API). A source becoming listed is a WARN line, a
 * {@code listed} delivery-log event, an alert and the metric {@code sluice_egress_listed}; with
 * {@code dnsbl_action = "remove"} it is also left out of its pools ({@link #usable}) until a check finds it delisted
 * ({@code delisted}, INFO). A zone that does not answer, or answers with the list's refusal codes, is not a listing
 * and not a delisting: the previous state stays, and the failure is said in the log and shown by the API.
 */
public final class SourceListings implements SourceHealth, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SourceListings.class);

    /** One zone lists a source's address: its A answer (codes), its TXT reason (or null), since when. */
    public record Listing(String zone, List<String> answer, String reason, Instant since) {
        public Listing {
            answer = List.copyOf(answer);
        }
    }

    /** A zone that gave no usable answer about a source in the last check. */
    public record Failure(String zone, String detail) {}

    /** One source as the last check found it. */
    public record SourceState(String source, String ip, List<Listing> listed, List<Failure> failed) {
        public SourceState {
            listed = List.copyOf(listed);
            failed = List.copyOf(failed);
        }
    }

    /**
     * The last check: when it ended (null before the first), the zones, whether a listing removes the source,
     * and every source in configuration order.
     */
    public record Report(Instant checked, List<String> zones, boolean remove, List<SourceState> sources) {
        public Report {
            zones = List.copyOf(zones);
            sources = List.copyOf(sources);
        }
    }

    private record Target(String name, InetAddress address, String literal) {}

    private final EgressConfig.Blocklists config;
    private final List<Target> targets;
    private final Resolver resolver;
    private final EventSink events;
    private final Clock clock;
    private final ReentrantLock checking = new ReentrantLock();
    private volatile Report last;
    private volatile Set<String> listedSources = Set.of();
    private volatile Thread thread;

    public SourceListings(EgressConfig.Blocklists config, List<EgressConfig.Source> sources, Resolver resolver,
                          EventSink events, Clock clock) {
        this.config = config;
        this.targets = sources.stream()
                .map(s -> new Target(s.name(), IpLiterals.toAddress(s.address()), s.address())).toList();
        this.resolver = resolver;
        this.events = events;
        this.clock = clock;
        this.last = new Report(null, config.zones(), config.remove(), targets.stream()
                .map(t -> new SourceState(t.name(), t.literal(), List.of(), List.of())).toList());
    }

    /** Starts the periodic check (the first one now) on a virtual thread; nothing when no zone is configured. */
    public SourceListings start() {
        if (config.zones().isEmpty() || targets.isEmpty()) return this;
        thread = Thread.ofVirtual().name("dnsbl-own-ips").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    checkNow();
                    Thread.sleep(config.interval());
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    log.error("blocklist check of the egress addresses failed: {}", e.toString(), e);
                    try {
                        Thread.sleep(config.interval());
                    } catch (InterruptedException stop) {
                        return;
                    }
                }
            }
        });
        return this;
    }

    /** False while {@code source} is listed and the action is "remove". */
    @Override
    public boolean usable(String source) {
        return !config.remove() || !listedSources.contains(source);
    }

    /** The last check's result. */
    public Report last() {
        return last;
    }

    /**
     * Asks every zone about every source now (all questions in parallel, each bounded by the resolver's timeout),
     * applies the changes and returns the new state. Concurrent callers run one after the other.
     */
    public Report checkNow() throws InterruptedException {
        checking.lockInterruptibly();
        try {
            Map<Target, Map<String, DnsblAnswer>> answers = ask();
            Report previous = last;
            Instant now = clock.instant();
            List<SourceState> states = new ArrayList<>();
            Set<String> listed = new HashSet<>();
            for (int i = 0; i < targets.size(); i++) {
                SourceState state = settle(targets.get(i), previous.sources().get(i), answers.get(targets.get(i)), now);
                if (!state.listed().isEmpty()) listed.add(state.source());
                states.add(state);
            }
            last = new Report(now, config.zones(), config.remove(), states);
            listedSources = Set.copyOf(listed);
            return last;
        } finally {
            checking.unlock();
        }
    }

    private Map<Target, Map<String, DnsblAnswer>> ask() throws InterruptedException {
        Map<Target, Map<String, Future<DnsblAnswer>>> pending = new LinkedHashMap<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Target t : targets) {
                Map<String, Future<DnsblAnswer>> byZone = new LinkedHashMap<>();
                for (String zone : config.zones()) {
                    byZone.put(zone, pool.submit(() -> DnsblQuery.ask(resolver, t.address(), zone)));
                }
                pending.put(t, byZone);
            }
            Map<Target, Map<String, DnsblAnswer>> out = new HashMap<>();
            for (var e : pending.entrySet()) {
                Map<String, DnsblAnswer> byZone = new LinkedHashMap<>();
                for (var z : e.getValue().entrySet()) {
                    try {
                        byZone.put(z.getKey(), z.getValue().get());
                    } catch (ExecutionException ex) {
                        byZone.put(z.getKey(), new DnsblAnswer.Failed("internal error: " + ex.getCause()));
                    }
                }
                out.put(e.getKey(), byZone);
            }
            return out;
        }
    }

    /** One source's new state from its answers; every change is logged and published here. */
    private SourceState settle(Target t, SourceState before, Map<String, DnsblAnswer> answers, Instant now) {
        Map<String, Listing> was = new HashMap<>();
        for (Listing l : before.listed()) was.put(l.zone(), l);
        Set<String> failedBefore = new HashSet<>();
        for (Failure f : before.failed()) failedBefore.add(f.zone());
        List<Listing> listed = new ArrayList<>();
        List<Failure> failed = new ArrayList<>();
        for (var e : answers.entrySet()) {
            String zone = e.getKey();
            Listing previous = was.get(zone);
            switch (e.getValue()) {
                case DnsblAnswer.Listed l -> {
                    // TXT asked here, one after the other: listings are rare, and a missing reason is no failure.
                    String reason = DnsblQuery.reason(resolver, t.address(), zone);
                    if (previous == null) {
                        Listing listing = new Listing(zone, l.codes(), reason, now);
                        log.warn("blocklist: egress source {} ({}) is listed on {}: {}; {}", t.name(), t.literal(), zone,
                                text(listing), config.remove() ? "taken out of its pools until delisted"
                                        : "still in use (dnsbl_action = \"alert\")");
                        publish("listed", t, zone, text(listing));
                        listed.add(listing);
                    } else {
                        listed.add(new Listing(zone, l.codes(), reason, previous.since()));
                    }
                }
                case DnsblAnswer.NotListed n -> {
                    if (previous != null) {
                        log.info("blocklist: egress source {} ({}) is no longer listed on {}{}", t.name(), t.literal(),
                                zone, config.remove() ? "; back in its pools" : "");
                        publish("delisted", t, zone, "no longer listed (was: " + text(previous) + ")");
                    }
                }
                case DnsblAnswer.Refused r -> {
                    // The list does not answer this resolver: the check is blind, which the operator must hear.
                    String detail = "the list refused the query (answer " + String.join(", ", r.codes())
                            + "; e.g. Spamhaus: queried through a public resolver or over its free-use limit)";
                    if (!failedBefore.contains(zone)) {
                        log.warn("blocklist: cannot check egress source {} ({}) on {}: {}; check [delivery] dns_servers",
                                t.name(), t.literal(), zone, detail);
                    }
                    failed.add(new Failure(zone, detail));
                    if (previous != null) listed.add(previous);
                }
                case DnsblAnswer.Failed f -> {
                    if (!failedBefore.contains(zone)) {
                        log.info("blocklist: no answer from {} about egress source {} ({}): {}; its state stays {}",
                                zone, t.name(), t.literal(), f.detail(), previous == null ? "not listed" : "listed");
                    } else {
                        log.debug("blocklist: still no answer from {} about {}: {}", zone, t.name(), f.detail());
                    }
                    failed.add(new Failure(zone, f.detail()));
                    if (previous != null) listed.add(previous);
                }
            }
        }
        return new SourceState(t.name(), t.literal(), listed, failed);
    }

    private static String text(Listing l) {
        String answer = "answer " + String.join(", ", l.answer());
        return l.reason() == null ? answer : l.reason() + " (" + answer + ")";
    }

    private void publish(String event, Target t, String zone, String text) {
        events.publish(new DeliveryEvent.Shaping(clock.instant(), event, t.name(), zone, t.literal() + ": " + text));
    }

    /** One alert per listing, for the dashboard. */
    public List<Alerts.Alert> alerts() {
        List<Alerts.Alert> out = new ArrayList<>();
        for (SourceState s : last.sources()) {
            for (Listing l : s.listed()) {
                out.add(new Alerts.Alert("blocklist", "egress source " + s.source() + " (" + s.ip() + ") is listed on "
                        + l.zone() + ": " + text(l) + (config.remove() ? "; out of its pools until delisted"
                        : "; still in use (dnsbl_action = \"alert\")"), l.since()));
            }
        }
        return out;
    }

    /** Every source × zone with 1 or 0, for {@code sluice_egress_listed}. */
    public List<Metrics.SourceZone> metricStates() {
        List<Metrics.SourceZone> out = new ArrayList<>();
        for (SourceState s : last.sources()) {
            for (String zone : config.zones()) {
                out.add(new Metrics.SourceZone(s.source(), zone,
                        s.listed().stream().anyMatch(l -> l.zone().equals(zone))));
            }
        }
        return out;
    }

    @Override
    public void close() {
        Thread t = thread;
        if (t != null) t.interrupt();
    }
}
