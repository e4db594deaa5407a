package sluice.shaping;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import sluice.config.ShapingConfig;
import sluice.observe.Alerts;

/**
 * One egress source's traffic to one destination group: its message and connection rates (GCRA), the connections
 * in use, adaptive backoff and suspension. Every method is short and runs under the lane's monitor; none does I/O.
 *
 * <p>Backoff: a rate-limit reply halves the rate and the connections (at most once per {@link #DECREASE_GAP}
 * nanos, floor 1 message/minute and 1 connection); each clean {@code window} (no rate-limit reply, something
 * delivered) adds back a tenth of the configured rate and one connection, until the configured limits are back.
 * A group without a configured rate backs off from the rate it was measured sending at.
 */
final class Lane {
    static final double FLOOR_PER_SECOND = 1.0 / 60;
    static final long DECREASE_GAP = 5_000_000_000L;
    private static final long RESERVATION_GRACE = 60_000_000_000L;
    private static final int MAX_PARKED = 100_000;

    final String source;
    final String group;       // the name in logs, metrics and the API ("*" for a domain without a named group)
    final String domain;      // the domain of a lane without a named group, else null
    final ShapingConfig.Rule rule; // null: no limits of its own (backoff still applies)
    private final long windowNanos;

    // guarded by this
    private double ratePerSecond;     // current; infinite = no limit
    private double ceilingPerSecond;  // what recovery climbs back to (the configured rate, or the measured one)
    private int connections;          // current limit; 0 = no limit
    private int connectionCeiling;
    private final LaneState state;    // the buckets and connections a cluster shares
    private final long connectionIntervalNanos; // 0: no connection rate
    private final int connectionBurst;
    private int active;               // this node's attempts in progress
    private final Map<String, Long> reserved = new HashMap<>(); // job key -> slot (nanos)
    private final ArrayDeque<Runnable> parked = new ArrayDeque<>();
    private long suspendedUntil;      // nanos; 0 = not suspended
    private String suspendedBecause;
    private long suspendedSinceMillis;
    private boolean backingOff;
    private long lastDecrease = Long.MIN_VALUE / 2;
    private long windowStart;
    private boolean windowDirty;      // a rate-limit reply in this window
    private boolean windowDelivered;  // something delivered in this window
    private long admittedInWindow;
    private long lastSweep;
    private long adoptedStamp = Long.MIN_VALUE; // the shared limits last adopted

    Lane(String source, String group, String domain, ShapingConfig.Rule rule, long windowNanos, long now,
         LaneState state) {
        this.source = source;
        this.group = group;
        this.domain = domain;
        this.rule = rule;
        this.windowNanos = windowNanos;
        this.ratePerSecond = rule != null && rule.messageRate() != null ? rule.messageRate().perSecond()
                : Double.POSITIVE_INFINITY;
        this.ceilingPerSecond = ratePerSecond;
        this.connections = rule == null ? 0 : rule.maxConnections();
        this.connectionCeiling = connections;
        this.state = state;
        boolean connectionRate = rule != null && rule.connectionRate() != null;
        this.connectionIntervalNanos = connectionRate ? rule.connectionRate().intervalNanos() : 0;
        this.connectionBurst = connectionRate ? burstOf(rule.connectionRate().perSecond()) : 1;
        this.windowStart = now;
        state.onFree(this::wakeParked);
    }

    /** The state this lane counts in (a reload hands it to the lane made under the new rules). */
    LaneState state() {
        return state;
    }

    /** Every parked job, taken out (a reload: they come back and meet the lane made under the new rules). */
    synchronized java.util.List<Runnable> unparkAll() {
        java.util.List<Runnable> out = new java.util.ArrayList<>(parked);
        parked.clear();
        return out;
    }

    /**
     * This lane, made under new rules (a reload), takes over from {@code old} of the same source and group: a
     * suspension in force stays in force, and a backoff goes on from where it was, never above the new limits.
     * Called before this lane is visible to anyone else.
     */
    void inherit(Lane old) {
        synchronized (old) {
            synchronized (this) {
                suspendedUntil = old.suspendedUntil;
                suspendedBecause = old.suspendedBecause;
                suspendedSinceMillis = old.suspendedSinceMillis;
                adoptedStamp = old.adoptedStamp;
                lastDecrease = old.lastDecrease;
                if (old.backingOff) {
                    backingOff = true;
                    ratePerSecond = Math.min(ratePerSecond, old.ratePerSecond);
                    connections = connections == 0 ? old.connections
                            : old.connections == 0 ? connections : Math.min(connections, old.connections);
                }
            }
        }
    }

    /** Wakes the parked jobs the limits allow now (a connection freed on another node, a lease granted). */
    private void wakeParked() {
        for (Runnable r : wakeable()) r.run();
    }

    /** A tenth of a second's worth, at least 1: a rate of 100/s may send 10 at once, and holds over any minute. */
    private static int burstOf(double perSecond) {
        return Double.isInfinite(perSecond) ? 1 : (int) Math.max(1, Math.min(1000, Math.floor(perSecond / 10)));
    }

    private static long intervalOf(double perSecond) {
        return Double.isInfinite(perSecond) ? 1 : (long) Math.max(1, 1e9 / perSecond);
    }

    /** What the admission of one job decided in this lane. */
    sealed interface Decision {}

    record Admitted() implements Decision {}

    record RateWait(long slotNanos) implements Decision {}

    record ConnectionWait() implements Decision {}

    record Suspended(long untilNanos) implements Decision {}

    synchronized boolean suspended(long now) {
        return suspendedUntil != 0 && now < suspendedUntil;
    }

    synchronized long suspendedUntil() {
        return suspendedUntil;
    }

    /** Connections allowed now (lowered while backing off); 0: no limit. */
    synchronized int connectionLimit() {
        return connections;
    }

    /** Messages a connection may carry: 1 where idle connections would escape a fleet's connection limit. */
    synchronized int messagesPerConnection() {
        if (connections > 0 && state.fleetWide()) return 1;
        return rule == null ? 0 : rule.maxMessagesPerConnection();
    }

    /** Attempts in progress (each holds one connection). */
    synchronized int active() {
        return active;
    }

    synchronized boolean holdsReservation(String jobKey) {
        return reserved.containsKey(jobKey);
    }

    /**
     * Admits one job if the lane allows it now, else says until when: a connection slot first (parking
     * {@code wake} to be run when one frees), then the message rate (reserving the job's slot, so that it goes
     * first when it comes back at that time: waiting jobs keep their order and are asked about once, not polled).
     */
    synchronized Decision admit(String jobKey, Runnable wake, long now) {
        if (suspendedUntil != 0 && now < suspendedUntil) return new Suspended(suspendedUntil);
        adopt(now);
        if (connections > 0 && state.connectionsHeld() >= connections) return park(wake);
        Long slot = reserved.remove(jobKey);
        if (!Double.isInfinite(ratePerSecond)) {
            long interval = intervalOf(ratePerSecond);
            // A slot long past (the job came back late: a stalled queue, a clock jump) is not used, so that late
            // jobs cannot go all at once: it takes a new one at the end of the line.
            if (slot != null && now - slot > Math.max(100_000_000L, interval)) slot = null;
            if (slot == null) {
                // A shared state without a token at hand holds no slot for the job: it asks again, it does not
                // come back to a reservation (which would let the fleet overshoot).
                LaneState.Slot s = state.reserveMessage(now, interval, burstOf(ratePerSecond));
                if (s instanceof LaneState.LookAgain again) return new RateWait(Math.max(now + 1, again.at()));
                slot = s.at();
            }
            if (slot > now) {
                reserved.put(jobKey, slot);
                sweep(now);
                return new RateWait(slot);
            }
        }
        if (!state.acquireConnection(connections)) {
            // another node took the last connection since the look above: the job keeps its slot and waits
            if (slot != null) reserved.put(jobKey, slot);
            return park(wake);
        }
        active++;
        admittedInWindow++;
        return new Admitted();
    }

    private Decision park(Runnable wake) {
        if (parked.size() < MAX_PARKED) parked.add(wake);
        return new ConnectionWait();
    }

    /** Reservations of jobs that never came back (deleted, bounced by the operator) go after a grace period. */
    private void sweep(long now) {
        if (reserved.size() < 1024 || now - lastSweep < 10_000_000_000L) return;
        lastSweep = now;
        reserved.values().removeIf(slot -> slot < now - RESERVATION_GRACE);
    }

    /** 0 when a new connection may be opened now, else the nanos of the next slot. */
    synchronized long tryOpen(long now) {
        if (connectionIntervalNanos == 0) return 0;
        long slot = state.reserveConnection(now, connectionIntervalNanos, connectionBurst);
        return slot <= now ? 0 : slot;
    }

    /** An admitted job finished: its connection slot frees; the first parked job is woken (outside the monitor). */
    Runnable release() {
        synchronized (this) {
            active--;
            state.releaseConnection();
            return parked.poll();
        }
    }

    /**
     * A rate-limit reply: lowers rate and connections multiplicatively (once per {@link #DECREASE_GAP}).
     * Returns the text of the change for the log, or null when nothing changed.
     */
    synchronized String rateLimited(long now, String reply) {
        windowDirty = true;
        if (now - lastDecrease < DECREASE_GAP) return null;
        lastDecrease = now;
        double before = ratePerSecond;
        int connectionsBefore = connections;
        if (Double.isInfinite(ratePerSecond)) {
            // no configured rate: back off from what was being sent, measured over the window so far
            // (at least 1/s: a lane that had just started has no measure yet, and repeated replies halve further)
            double seconds = Math.max(1, (now - windowStart) / 1e9);
            double measured = Math.max(1.0, admittedInWindow / seconds);
            ceilingPerSecond = measured;
            ratePerSecond = measured;
        }
        ratePerSecond = Math.max(FLOOR_PER_SECOND, ratePerSecond / 2);
        if (connections == 0) {
            connectionCeiling = 0;
            connections = Math.max(1, active);
        }
        connections = Math.max(1, connections / 2);
        state.restartMessages(now, intervalOf(ratePerSecond));
        reserved.clear(); // slots reserved at the old rate are asked for again at the new one
        backingOff = true;
        share();
        return reply + ": rate " + describe(before) + " -> " + describe(ratePerSecond) + ", connections "
                + (connectionsBefore == 0 ? "unlimited" : connectionsBefore) + " -> " + connections;
    }

    /** Tells the other nodes of a cluster the limits this node just chose (through the shared state). */
    private void share() {
        state.shareLimits(new LaneState.Limits(ratePerSecond, ceilingPerSecond, connections, connectionCeiling,
                backingOff, 0));
    }

    /**
     * Takes the limits another node chose (its backoff, its recovery), if they are newer than the last taken. A
     * decrease adopted counts as this node's own for {@link #DECREASE_GAP}, so that the same episode's replies
     * seen here do not halve the rate again.
     */
    private void adopt(long now) {
        LaneState.Limits l = state.sharedLimits();
        if (l == null || l.stamp() == adoptedStamp) return;
        adoptedStamp = l.stamp();
        if (l.ratePerSecond() == ratePerSecond && l.connections() == connections && l.backingOff() == backingOff) return;
        if (l.ratePerSecond() < ratePerSecond) {
            lastDecrease = now;
            windowStart = now;
            windowDirty = false;
        }
        ratePerSecond = l.ratePerSecond();
        ceilingPerSecond = l.ceilingPerSecond();
        connections = l.connections();
        connectionCeiling = l.connectionCeiling();
        backingOff = l.backingOff();
    }

    /** Something was delivered from this lane. */
    synchronized void delivered() {
        windowDelivered = true;
    }

    /** A reputation block: the source is out for this group until {@code until}. Text for the log, or null. */
    synchronized String suspend(long now, long until, String reply, long nowMillis) {
        boolean already = suspendedUntil != 0 && now < suspendedUntil;
        if (!already) suspendedSinceMillis = nowMillis;
        suspendedUntil = Math.max(suspendedUntil, until);
        suspendedBecause = reply;
        reserved.clear();
        return already ? null : reply;
    }

    /**
     * The periodic look: ends a suspension whose time is over, and closes a clean window by raising the limits
     * additively. Returns the text of a "resumed" event, or null.
     */
    synchronized String tick(long now) {
        adopt(now);
        String resumed = null;
        if (suspendedUntil != 0 && now >= suspendedUntil) {
            suspendedUntil = 0;
            resumed = "suspension over (was: " + suspendedBecause + ")";
            suspendedBecause = null;
        }
        if (now - windowStart >= windowNanos) {
            if (backingOff && !windowDirty && windowDelivered) {
                double step = ceilingPerSecond / 10;
                ratePerSecond = Math.min(ceilingPerSecond, ratePerSecond + step);
                if (connectionCeiling == 0 || connections < connectionCeiling) connections++;
                boolean rateBack = ratePerSecond >= ceilingPerSecond;
                boolean connectionsBack = connectionCeiling == 0 ? connections >= 1_000 : connections >= connectionCeiling;
                if (rateBack && (connectionsBack || connectionCeiling == 0)) {
                    backingOff = false;
                    if (rule == null || rule.messageRate() == null) ratePerSecond = Double.POSITIVE_INFINITY;
                    if (connectionCeiling == 0) connections = 0;
                    resumed = resumed == null ? "backoff over: back to the configured limits" : resumed;
                }
                share();
            }
            windowStart = now;
            windowDirty = false;
            windowDelivered = false;
            admittedInWindow = 0;
        }
        return resumed;
    }

    /** Parked jobs to wake because the limit rose or a suspension ended (run outside the monitor). */
    synchronized java.util.List<Runnable> wakeable() {
        int free = connections == 0 ? parked.size() : Math.max(0, connections - state.connectionsHeld());
        java.util.List<Runnable> out = new java.util.ArrayList<>();
        for (Iterator<Runnable> it = parked.iterator(); it.hasNext() && out.size() < free; ) {
            out.add(it.next());
            it.remove();
        }
        return out;
    }

    /** The alert of a suspended lane (shown on the dashboard, in the API's alerts), or null. */
    synchronized Alerts.Alert alert(long nowNanos, long nowMillis) {
        if (suspendedUntil == 0 || nowNanos >= suspendedUntil) return null;
        String until = Instant.ofEpochMilli(nowMillis + (suspendedUntil - nowNanos) / 1_000_000)
                .truncatedTo(ChronoUnit.SECONDS).toString();
        return new Alerts.Alert("suspended", "egress source " + source + " is suspended for " + group
                + (domain == null ? "" : " (" + domain + ")") + " until " + until + ": " + suspendedBecause,
                Instant.ofEpochMilli(suspendedSinceMillis));
    }

    synchronized LaneView view(long nowNanos, long nowMillis) {
        return new LaneView(source, group, domain, Double.isInfinite(ratePerSecond) ? 0 : ratePerSecond,
                Double.isInfinite(ceilingPerSecond) ? 0 : ceilingPerSecond, connections, connectionCeiling, active,
                reserved.size(), parked.size(), backingOff,
                suspendedUntil != 0 && nowNanos < suspendedUntil
                        ? nowMillis + (suspendedUntil - nowNanos) / 1_000_000 : 0,
                suspendedBecause, rule == null ? null : rule.origin());
    }

    /** The shaper forgets this lane: its state may be forgotten too. */
    void forget() {
        state.release();
    }

    /** No attempt in progress, nothing reserved or parked (a retired lane's backoff no longer matters). */
    synchronized boolean unused() {
        return active == 0 && reserved.isEmpty() && parked.isEmpty();
    }

    /** Idle and at its configured limits: nothing would be lost by forgetting it. */
    synchronized boolean idle(long now) {
        return active == 0 && reserved.isEmpty() && parked.isEmpty() && !backingOff
                && (suspendedUntil == 0 || now >= suspendedUntil);
    }

    static String describe(double perSecond) {
        if (Double.isInfinite(perSecond)) return "unlimited";
        if (perSecond >= 1) return String.format(java.util.Locale.ROOT, "%.1f/s", perSecond);
        return String.format(java.util.Locale.ROOT, "%.1f/min", perSecond * 60);
    }
}
