package sluice.shaping;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.bounce.BounceClassifier;
import sluice.config.ShapingConfig;
import sluice.delivery.Destination;
import sluice.delivery.EgressPools;
import sluice.delivery.EgressSource;
import sluice.delivery.Job;
import sluice.delivery.Outcome;
import sluice.delivery.Shape;
import sluice.observe.Alerts;
import sluice.observe.DeliveryEvent;
import sluice.observe.EventSink;

/**
 * Answers the queue's one question, "may this job be attempted now, and if not, when?", per (egress source,
 * destination group): it picks the source (the message's pool, by weight, leaving out sources that are suspended
 * for the group, unusable, or past a warm-up cap they may spill from), then asks that source's {@link Lane}
 * for a connection slot and a message-rate slot. Outcomes come back through the {@link Lease}: the remote's
 * rate-limit replies make the lane back off, reputation blocks suspend the source for the group.
 *
 * <p>State is in-process ({@link Lane}, {@link WarmupLedger}); a cluster implementation shares it.
 */
public final class Shaper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Shaper.class);
    /** A job waiting for a connection slot is woken when one frees; this is the latest it looks again anyway. */
    static final long CONNECTION_BACKSTOP_MILLIS = 30_000;
    /** A message whose every source is unusable (listed) looks again after this long. */
    static final long UNUSABLE_RETRY_MILLIS = 600_000;
    private static final int MAX_DOMAIN_LANES = 200_000;
    static final String NO_SOURCE = "default";

    /** Where a group's MX hosts come from (the resolver's cache in a node, a map in tests). */
    @FunctionalInterface
    public interface MxLookup {
        /** The MX host names of {@code domain}, or null when they cannot be known now. */
        List<String> hosts(String domain);
    }

    private volatile Groups groups; // replaced by a reload
    private final Groups.MxHosts mxHosts;
    // lanes set aside by a reload, until a lane for the same key takes their state over or they fall idle
    private final ConcurrentHashMap<String, Lane> retired = new ConcurrentHashMap<>();
    private final EgressPools pools;
    private final WarmupLedger warmup;
    private final SourceHealth health;
    private final BounceClassifier classifier;
    private final EventSink events;
    private final Clock clock;
    private final LongSupplier nanos;
    private final RandomGenerator random;
    private final long windowNanos;
    private final LaneState.Factory states;
    private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
    private volatile Thread ticker;

    public Shaper(ShapingConfig config, EgressPools pools, MxLookup mx, WarmupLedger warmup, SourceHealth health,
                  BounceClassifier classifier, EventSink events, Clock clock, LongSupplier nanos,
                  RandomGenerator random, Duration window) {
        this(config, pools, mx, warmup, health, classifier, events, clock, nanos, random, window, LaneState.Factory.LOCAL);
    }

    /** @param states where the lanes' buckets and connection counts live (this process, or a cluster's store) */
    public Shaper(ShapingConfig config, EgressPools pools, MxLookup mx, WarmupLedger warmup, SourceHealth health,
                  BounceClassifier classifier, EventSink events, Clock clock, LongSupplier nanos,
                  RandomGenerator random, Duration window, LaneState.Factory states) {
        this.states = states;
        this.mxHosts = mx::hosts;
        this.groups = new Groups(config.rules(), mxHosts);
        this.pools = pools;
        this.warmup = warmup;
        this.health = health;
        this.classifier = classifier;
        this.events = events;
        this.clock = clock;
        this.nanos = nanos;
        this.random = random;
        this.windowNanos = window.toNanos();
    }

    /**
     * New rules from a reload. Every lane is set aside and made again under the new rules as jobs come: a lane made
     * for the same source and group takes over the old one's state (buckets, connections in use, here or in the
     * fleet) and its backoff or suspension, so a reload never opens more connections than the limits allow; jobs
     * parked in the old lanes are woken to meet the new ones. Attempts in flight finish in the lane that admitted
     * them.
     */
    public void rules(List<ShapingConfig.Rule> rules) {
        groups = new Groups(rules, mxHosts);
        for (String key : List.copyOf(lanes.keySet())) {
            Lane old = lanes.remove(key);
            if (old == null) continue;
            retired.put(key, old);
            for (Runnable r : old.unparkAll()) r.run();
        }
    }

    /** Starts the once-a-second look that ends suspensions, recovers backoff and wakes parked jobs. */
    public Shaper start() {
        ticker = Thread.ofPlatform().name("shaping").daemon(true).start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(1000);
                    tick();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    log.error("shaping: {}", e.toString(), e);
                }
            }
        });
        return this;
    }

    /**
     * May {@code job} be attempted now? {@code wake} is run when a job told to wait for a connection slot may
     * come back earlier than its {@link Admission.Wait#untilMillis()}.
     */
    public Admission admit(Job job, Runnable wake) {
        return switch (job.destination()) {
            case Destination.Local l -> new Admission.Go(job, Lease.NONE);
            // A smarthost route is the provider's to shape: the source still applies, no group limits.
            case Destination.Smarthost s -> admitSmarthost(job);
            case Destination.Mx mx -> admitMx(job, mx.domain(), wake);
        };
    }

    /** A usable source of the message's pool by weight (a listed one leaves its pool on every route), or a wait. */
    private Admission admitSmarthost(Job job) {
        EgressPools.Pool pool = pools.poolOf(job.envelope());
        if (pool == null) return new Admission.Go(job.shaped(Shape.unshaped(null)), Lease.NONE);
        List<EgressSource> usable = new ArrayList<>();
        List<Integer> weights = new ArrayList<>();
        for (int i = 0; i < pool.sources().size(); i++) {
            if (!health.usable(pool.sources().get(i).name())) continue;
            usable.add(pool.sources().get(i));
            weights.add(pool.weights().get(i));
        }
        if (usable.isEmpty()) {
            return new Admission.Wait(clock.millis() + UNUSABLE_RETRY_MILLIS,
                    "every source of pool " + pool.name() + " is listed on a blocklist");
        }
        return new Admission.Go(job.shaped(Shape.unshaped(draw(usable, weights))), Lease.NONE);
    }

    private Admission admitMx(Job job, String domain, Runnable wake) {
        Groups.Match g = groups.of(domain);
        EgressPools.Pool pool = pools.poolOf(job.envelope());
        String jobKey = job.queueId() + "|" + job.destination().key();
        long now = nanos.getAsLong();
        long nowMillis = clock.millis();
        String warmGroup = g.group();

        EgressSource source = null;
        Lane lane = null;
        if (pool == null) {
            lane = lane(NO_SOURCE, g, now);
        } else {
            // A job that holds a reserved slot comes back to the source it reserved on, if that is still usable.
            for (EgressSource s : pool.sources()) {
                Lane l = lane(s.name(), g, now);
                if (l.holdsReservation(jobKey) && health.usable(s.name())
                        && warmup.remaining(s.name(), warmGroup, nowMillis) > 0) {
                    source = s;
                    lane = l;
                    break;
                }
            }
            if (lane == null) {
                boolean spill = !"wait".equals(pool.overflow());
                List<EgressSource> eligible = new ArrayList<>();
                List<Integer> weights = new ArrayList<>();
                long retry = Long.MAX_VALUE;
                String why = null;
                for (int i = 0; i < pool.sources().size(); i++) {
                    EgressSource s = pool.sources().get(i);
                    Lane l = lane(s.name(), g, now);
                    if (!health.usable(s.name())) {
                        retry = Math.min(retry, nowMillis + UNUSABLE_RETRY_MILLIS);
                        why = "source " + s.name() + " is listed on a blocklist";
                        continue;
                    }
                    if (l.suspended(now)) {
                        retry = Math.min(retry, nowMillis + Math.max(1, (l.suspendedUntil() - now) / 1_000_000));
                        why = "source " + s.name() + " is suspended for " + g.group();
                        continue;
                    }
                    if (spill && warmup.remaining(s.name(), warmGroup, nowMillis) <= 0) {
                        retry = Math.min(retry, warmup.nextDay(nowMillis));
                        why = "source " + s.name() + " reached today's warm-up cap for " + g.group();
                        continue;
                    }
                    eligible.add(s);
                    weights.add(pool.weights().get(i));
                }
                if (eligible.isEmpty()) return new Admission.Wait(retry, why);
                source = draw(eligible, weights);
                lane = lane(source.name(), g, now);
                if (!spill && warmup.remaining(source.name(), warmGroup, nowMillis) <= 0) {
                    return new Admission.Wait(warmup.nextDay(nowMillis),
                            "source " + source.name() + " reached today's warm-up cap for " + g.group());
                }
            }
        }
        Lane chosen = lane;
        return switch (chosen.admit(jobKey, wake, now)) {
            case Lane.Admitted a -> {
                warmup.count(chosen.source, warmGroup, nowMillis);
                ShapingConfig.Rule r = g.rule();
                Shape shape = new Shape(source, g.named() ? g.group() : null,
                        chosen.messagesPerConnection(), chosen.connectionLimit(), chosen::active,
                        r == null ? null : r.tls(), () -> {
                            long t = nanos.getAsLong();
                            long slot = chosen.tryOpen(t);
                            return slot == 0 ? 0 : clock.millis() + Math.max(1, (slot - t) / 1_000_000);
                        });
                yield new Admission.Go(job.shaped(shape), new Lease(this, chosen));
            }
            case Lane.RateWait w -> new Admission.Wait(nowMillis + Math.max(1, (w.slotNanos() - now + 999_999) / 1_000_000),
                    "message rate of " + chosen.group + " from " + chosen.source);
            case Lane.ConnectionWait w -> new Admission.Wait(nowMillis + CONNECTION_BACKSTOP_MILLIS,
                    "connections of " + chosen.group + " from " + chosen.source);
            case Lane.Suspended s -> new Admission.Wait(nowMillis + Math.max(1, (s.untilNanos() - now) / 1_000_000),
                    "source " + chosen.source + " is suspended for " + chosen.group);
        };
    }

    private EgressSource draw(List<EgressSource> sources, List<Integer> weights) {
        int total = 0;
        for (int w : weights) total += w;
        int x = random.nextInt(total);
        for (int i = 0; i < sources.size(); i++) {
            x -= weights.get(i);
            if (x < 0) return sources.get(i);
        }
        return sources.get(sources.size() - 1);
    }

    private Lane lane(String source, Groups.Match g, long now) {
        return lanes.computeIfAbsent(source + "\u0000" + g.key(), k -> {
            Lane old = retired.remove(k);
            Lane lane = new Lane(source, g.group(), g.domain(), g.rule(), windowNanos, now,
                    old == null ? states.open(source, g.key()) : old.state());
            if (old != null) lane.inherit(old);
            return lane;
        });
    }

    /** An admitted attempt ended (from {@link Lease#done}). */
    void finished(Lane lane, List<Outcome> outcomes) {
        Runnable next = lane.release();
        if (next != null) next.run();
        // Held back by the connection rate before any connection: nothing was sent, so the day's warm-up cap is
        // given back (the job counts again when it goes).
        if (!outcomes.isEmpty() && outcomes.stream().allMatch(o -> o.result() == Outcome.Result.THROTTLED)) {
            warmup.refund(lane.source, lane.group, clock.millis());
            return;
        }
        long now = nanos.getAsLong();
        boolean adaptive = lane.rule == null || lane.rule.backoff();
        for (Outcome o : outcomes) {
            if (o.result() == Outcome.Result.DELIVERED) lane.delivered();
            // Only what a remote server said counts: no host answered means a local or network failure.
            if (o.remoteIp() == null || o.result() == Outcome.Result.DELIVERED || !adaptive) continue;
            String cls = classifier.classify(o.code(), o.enhancedCode(), o.text());
            if ("spam_block".equals(cls)) {
                Duration f = lane.rule == null ? Duration.ofHours(1) : lane.rule.suspendFor();
                String text = lane.suspend(now, now + f.toNanos(), o.summary(), clock.millis());
                if (text != null) {
                    log.warn("shaping: source {} suspended for {}{} for {}: {}", lane.source, lane.group,
                            lane.domain == null ? "" : " (" + lane.domain + ")", f, text);
                    publish("suspended", lane, "for " + f.toString().substring(2).toLowerCase() + ": " + text);
                }
                return;
            }
            if (o.code() == 421 || "rate_limited".equals(cls)) {
                String text = lane.rateLimited(now, o.summary());
                if (text != null) {
                    log.info("shaping: source {} backs off for {}{}: {}", lane.source, lane.group,
                            lane.domain == null ? "" : " (" + lane.domain + ")", text);
                    publish("backoff", lane, text);
                }
                return;
            }
        }
    }

    private void publish(String event, Lane lane, String text) {
        events.publish(new DeliveryEvent.Shaping(clock.instant(), event, lane.source, lane.group,
                lane.domain == null ? text : lane.domain + ": " + text));
    }

    /** Ends suspensions, closes backoff windows, wakes parked jobs the limits now allow, forgets idle domain lanes. */
    void tick() {
        long now = nanos.getAsLong();
        // a lane set aside by a reload that no job came back for: forgotten once its last attempt ended
        for (var e : retired.entrySet()) {
            if (e.getValue().unused() && retired.remove(e.getKey(), e.getValue())) e.getValue().forget();
        }
        boolean crowded = lanes.size() > MAX_DOMAIN_LANES / 2;
        for (var e : lanes.entrySet()) {
            Lane lane = e.getValue();
            String resumed = lane.tick(now);
            if (resumed != null) {
                log.info("shaping: source {} resumed for {}{}: {}", lane.source, lane.group,
                        lane.domain == null ? "" : " (" + lane.domain + ")", resumed);
                publish("resumed", lane, resumed);
            }
            for (Runnable r : lane.wakeable()) r.run();
            // A lane of one domain without limits of its own is kept only while it holds state.
            // (under the map's lock for the key, so that a lane made again for it gets a state of its own)
            if (lane.domain != null && (lane.rule == null || crowded) && lane.idle(now)) {
                lanes.computeIfPresent(e.getKey(), (k, l) -> {
                    if (l != lane || !l.idle(now)) return l;
                    l.forget();
                    return null;
                });
            }
        }
    }

    /** An alert per source suspended for a group (a reputation block), for the dashboard and the API. */
    public List<Alerts.Alert> alerts() {
        long now = nanos.getAsLong();
        long nowMillis = clock.millis();
        List<Alerts.Alert> out = new ArrayList<>();
        for (Lane l : lanes.values()) {
            var a = l.alert(now, nowMillis);
            if (a != null) out.add(a);
        }
        return out;
    }

    /** Every lane, sorted by group then source, for the API, the CLI, the metrics and the dashboard. */
    public List<LaneView> lanes() {
        long now = nanos.getAsLong();
        long nowMillis = clock.millis();
        List<LaneView> out = new ArrayList<>();
        for (Lane l : lanes.values()) out.add(l.view(now, nowMillis));
        out.sort(Comparator.comparing(LaneView::group).thenComparing(v -> v.domain() == null ? "" : v.domain())
                .thenComparing(LaneView::source));
        return out;
    }

    /** Every warming source's day per group, from the ledger, for the same readers as {@link #lanes()}. */
    public List<WarmupView> warmup() {
        return warmup.views(clock.millis());
    }

    @Override
    public void close() {
        Thread t = ticker;
        if (t != null) t.interrupt();
        // a shared store stops its background thread and gives this node's connection leases back
        if (states instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("shaping: closing the lanes' store: {}", e.toString());
            }
        }
    }
}
