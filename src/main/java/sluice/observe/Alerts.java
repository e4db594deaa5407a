package sluice.observe;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two alarms an operator must not miss: a 1-hour bounce rate above the threshold (mailbox providers start
 * to distrust a sender at about 3%), and a queue that keeps growing. Evaluated periodically; a change of state
 * is logged once (a warning when raised, info when cleared). Other rooms add alerts they raise, clear and log
 * themselves ({@link #include}), e.g. an egress address on a blocklist; they are shown with these.
 */
public final class Alerts {
    private static final Logger log = LoggerFactory.getLogger(Alerts.class);

    public record Alert(String kind, String message, Instant since) {}

    private final Stats stats;
    private final LongSupplier queueSize;
    private final double bounceThreshold;
    private final int minDeliveries;
    private final Duration growth;
    private final Clock clock;
    private final Deque<long[]> queueSamples = new ArrayDeque<>(); // {epoch second, size}
    private volatile List<Alert> active = List.of();
    private final List<Supplier<List<Alert>>> included = new CopyOnWriteArrayList<>();

    public Alerts(Stats stats, LongSupplier queueSize, double bounceThreshold, int minDeliveries, Duration growth, Clock clock) {
        this.stats = stats;
        this.queueSize = queueSize;
        this.bounceThreshold = bounceThreshold;
        this.minDeliveries = minDeliveries;
        this.growth = growth;
        this.clock = clock;
    }

    public double bounceThreshold() {
        return bounceThreshold;
    }

    /** Samples the queue and re-evaluates; called every minute or so (and by tests). */
    public synchronized List<Alert> evaluate() {
        Instant now = clock.instant();
        List<Alert> next = new ArrayList<>();
        double rate = stats.bounceRate(60);
        long completed = stats.completed(60);
        if (completed >= minDeliveries && rate > bounceThreshold) {
            next.add(new Alert("bounce_rate", String.format(java.util.Locale.ROOT,
                    "bounce rate %.1f%% over the last hour (%d deliveries) is above %.1f%%", rate * 100, completed,
                    bounceThreshold * 100), since("bounce_rate", now)));
        }
        queueSamples.addLast(new long[] {now.getEpochSecond(), queueSize.getAsLong()});
        long window = growth.toSeconds();
        while (queueSamples.size() > 2 && queueSamples.peekFirst()[0] < now.getEpochSecond() - window - 60) {
            queueSamples.removeFirst();
        }
        if (growing(now.getEpochSecond() - window)) {
            long first = queueSamples.peekFirst()[1];
            long last = queueSamples.peekLast()[1];
            next.add(new Alert("queue_growth", "the queue has grown for " + growth.toMinutes() + " minutes (" + first
                    + " → " + last + " messages)", since("queue_growth", now)));
        }
        for (Alert a : next) {
            if (active.stream().noneMatch(x -> x.kind().equals(a.kind()))) log.warn("alert: {}", a.message());
        }
        for (Alert a : active) {
            if (next.stream().noneMatch(x -> x.kind().equals(a.kind()))) log.info("alert cleared: {}", a.kind());
        }
        active = List.copyOf(next);
        return active();
    }

    /** True when samples cover the whole window and the size never fell and rose overall. */
    private boolean growing(long windowStart) {
        if (queueSamples.size() < 3 || queueSamples.peekFirst()[0] > windowStart) return false;
        long prev = -1;
        for (long[] s : queueSamples) {
            if (s[0] < windowStart) continue;
            if (prev >= 0 && s[1] < prev) return false;
            prev = s[1];
        }
        long start = -1;
        for (long[] s : queueSamples) {
            if (s[0] >= windowStart) {
                start = s[1];
                break;
            }
        }
        return prev > start;
    }

    private Instant since(String kind, Instant now) {
        return active.stream().filter(a -> a.kind().equals(kind)).map(Alert::since).findFirst().orElse(now);
    }

    /** The alerts raised now: this class's (as of the last evaluation), then the included rooms' (read now). */
    public List<Alert> active() {
        if (included.isEmpty()) return active;
        List<Alert> all = new ArrayList<>(active);
        for (Supplier<List<Alert>> source : included) {
            try {
                all.addAll(source.get());
            } catch (RuntimeException e) {
                log.error("alerts: a source failed: {}", e.toString());
            }
        }
        return List.copyOf(all);
    }

    /**
     * Adds alerts another room raises: read each time the alerts are, logged by that room (not here), each with
     * its own kind, message and start.
     */
    public Alerts include(Supplier<List<Alert>> source) {
        included.add(source);
        return this;
    }

    /** Evaluates every {@code period} on a virtual thread until the returned handle is closed. */
    public AutoCloseable every(Duration period) {
        Thread t = Thread.ofVirtual().name("alerts").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    evaluate();
                    Thread.sleep(period);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    log.error("alerts: {}", e.toString());
                }
            }
        });
        return t::interrupt;
    }
}
