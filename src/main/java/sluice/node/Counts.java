package sluice.node;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.admin.AdminServer;
import sluice.observe.RefreshingValue;
import sluice.queue.QueueView;
import sluice.queue.Scheduler;
import sluice.smtp.Addresses;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * The queue's counts by state and by destination, as the admin API, the dashboard, /metrics, the alerts and the
 * cluster's heartbeat read them: from the scheduler's index, or from the spool while delivery is paused.
 */
final class Counts {
    // logs as the node always has: the pattern prints %logger{0}, and the operator's line reads "Node: queue counts: ..."
    private static final Logger log = LoggerFactory.getLogger(Node.class);

    private Counts() {}

    /**
     * Queue counts for the API, the dashboard and metrics scrapes, at most 3 s old. Computed on a platform thread
     * and never under a lock readers wait on: see {@link RefreshingValue}.
     */
    static AdminServer.QueueCounts cached(AdminServer.QueueCounts counts) {
        return cached(counts, Duration.ofSeconds(3));
    }

    static AdminServer.QueueCounts cached(AdminServer.QueueCounts counts, Duration ttl) {
        var state = new RefreshingValue<>("queue-counts-state", counts::byState, ttl);
        var destination = new RefreshingValue<>("queue-counts-destination", counts::byDestination, ttl);
        return new AdminServer.QueueCounts() {
            public Map<String, Long> byState() {
                return state.get();
            }

            public Map<String, Long> byDestination() {
                return destination.get();
            }
        };
    }

    static AdminServer.QueueCounts of(Scheduler scheduler) {
        return new AdminServer.QueueCounts() {
            public Map<String, Long> byState() {
                return scheduler.countsByState();
            }

            public Map<String, Long> byDestination() {
                return scheduler.messagesByDestination();
            }
        };
    }

    /** Delivery paused: the queue is counted from the spool (no scheduler index). */
    static AdminServer.QueueCounts of(Spool spool, Clock clock) {
        return new AdminServer.QueueCounts() {
            public Map<String, Long> byState() {
                Map<String, Long> out = new LinkedHashMap<>();
                for (String st : List.of("ready", "scheduled", "held", "active")) out.put(st, 0L);
                try {
                    spool.scan(m -> out.merge(QueueView.state(m, clock.instant()), 1L, Long::sum));
                } catch (SpoolException e) {
                    log.warn("queue counts: {}", e.getMessage());
                }
                return out;
            }

            public Map<String, Long> byDestination() {
                Map<String, Long> out = new HashMap<>();
                try {
                    spool.scan(m -> QueueView.pending(m).stream()
                            .map(Addresses::domainOf).distinct().forEach(d -> out.merge(d, 1L, Long::sum)));
                } catch (SpoolException e) {
                    log.warn("queue counts: {}", e.getMessage());
                }
                return out;
            }
        };
    }

    /** The sum over all states: the queue's size. */
    static long total(AdminServer.QueueCounts counts) {
        return counts.byState().values().stream().mapToLong(Long::longValue).sum();
    }
}
