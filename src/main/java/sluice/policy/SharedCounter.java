package sluice.policy;

import java.time.Duration;

/**
 * The rest of the fleet's side of one {@link RateLimit}: what the other nodes counted per key and window, as of
 * the last background sync, and where this node's own events go to be shared. Every method answers from memory:
 * a session never waits on another node or on Redis. A single node uses {@link #NONE} (nobody else counts).
 */
public interface SharedCounter {
    /**
     * Events the other nodes counted for {@code key} in the window starting at {@code windowStart} (epoch ms),
     * as of the last sync; 0 when none are known.
     */
    long others(String key, long windowStart);

    /** This node counted one event for {@code key} in the window starting at {@code windowStart}. */
    void counted(String key, long windowStart);

    /** True while the other nodes' counts cannot be known: the node then keeps to {@link #share()} of the limit. */
    boolean degraded();

    /** The part of the limit this node may use on its own while {@link #degraded()}. */
    double share();

    /** Makes the shared side of one limit of {@code limit} events per {@code window}, named {@code name}. */
    interface Source {
        SharedCounter counter(String name, int limit, Duration window);

        /** A single node: every counter is {@link #NONE}. */
        Source NONE = (name, limit, window) -> SharedCounter.NONE;
    }

    SharedCounter NONE = new SharedCounter() {
        public long others(String key, long windowStart) {
            return 0;
        }

        public void counted(String key, long windowStart) {}

        public boolean degraded() {
            return false;
        }

        public double share() {
            return 1.0;
        }
    };
}
