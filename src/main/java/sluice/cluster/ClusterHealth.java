package sluice.cluster;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this node may use Redis for its shared limits now ("shared") or must keep to its own share of each
 * ("degraded"). Any failed call makes the node degraded at once (and the log says so once); only the heartbeat
 * brings it back, after {@link #RECOVER_AFTER_BEATS} answered beats and no failure for {@link #QUIET_NANOS}, so a
 * Redis that flaps does not flip every limit back and forth. While degraded, nothing on a hot path calls Redis:
 * only the heartbeat probes it.
 */
public final class ClusterHealth {
    private static final Logger log = LoggerFactory.getLogger(ClusterHealth.class);
    static final int RECOVER_AFTER_BEATS = 2;
    static final long QUIET_NANOS = 2_000_000_000L;
    /** The quiet asked of a Redis that failed again soon after it came back doubles, up to this. */
    static final long MAX_QUIET_NANOS = 16_000_000_000L;
    /** Shared this long without a failure: the quiet asked is back to {@link #QUIET_NANOS}. */
    static final long SETTLED_NANOS = 30_000_000_000L;

    private final Clock clock;
    private final LongSupplier nanos;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean degraded;
    private volatile Instant degradedSince;
    private volatile String lastError;
    private volatile long lastFailure = Long.MIN_VALUE / 2;
    private volatile long transitions;
    private int beatsAnswered; // guarded by this
    private long quiet = QUIET_NANOS; // guarded by this
    private long sharedAt = Long.MIN_VALUE / 2; // guarded by this

    public ClusterHealth(Clock clock, LongSupplier nanos) {
        this.clock = clock;
        this.nanos = nanos;
    }

    /** True while shared limits are in force (Redis answered lately). */
    public boolean shared() {
        return !degraded;
    }

    public boolean degraded() {
        return degraded;
    }

    /** When the node last became degraded, or null while shared. */
    public Instant degradedSince() {
        return degraded ? degradedSince : null;
    }

    /** Why Redis last failed, or null if it never did. */
    public String lastError() {
        return lastError;
    }

    /** Changes between shared and degraded since start. */
    public long transitions() {
        return transitions;
    }

    /** Runs {@code r} (on the thread that saw the change; keep it short) whenever the node turns degraded or shared. */
    public void onChange(Runnable r) {
        listeners.add(r);
    }

    void answered() {
        // a single answer while degraded proves little (one master of a Cluster may answer while another is down)
    }

    void failed(String why) {
        lastError = why;
        lastFailure = nanos.getAsLong();
        boolean changed;
        synchronized (this) {
            beatsAnswered = 0;
            changed = !degraded;
            if (changed) {
                // A Redis Cluster whose master just died answers on the other masters' slots until it fails over:
                // coming back too soon would flip every limit each few seconds. Each relapse soon after a return
                // doubles the quiet asked before the next one.
                long now = nanos.getAsLong();
                quiet = now - sharedAt < SETTLED_NANOS ? Math.min(MAX_QUIET_NANOS, quiet * 2) : QUIET_NANOS;
                degraded = true;
                degradedSince = clock.instant();
                transitions++;
            }
        }
        if (changed) {
            log.warn("cluster: Redis unreachable ({}): shared limits suspended, this node keeps to its own share "
                    + "of each until Redis answers again", why);
            fire();
        }
    }

    /** The heartbeat reached Redis. */
    void beat() {
        boolean changed = false;
        synchronized (this) {
            if (degraded && ++beatsAnswered >= RECOVER_AFTER_BEATS && nanos.getAsLong() - lastFailure >= quiet) {
                degraded = false;
                sharedAt = nanos.getAsLong();
                transitions++;
                changed = true;
            }
        }
        if (changed) {
            log.info("cluster: Redis answers again: shared limits resumed (degraded since {})", degradedSince);
            fire();
        }
    }

    private void fire() {
        for (Runnable r : listeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.error("cluster: a listener of the health change failed: {}", e.toString(), e);
            }
        }
    }
}
