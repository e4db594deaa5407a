package sluice.auth;

/**
 * The rest of the fleet's side of the {@link Lockout}: the AUTH failures the other nodes counted per client, and
 * the lockouts they imposed, as of the last background sync; and where this node's own failures and lockouts go to
 * be shared. Every method answers from memory: an AUTH never waits on another node or on Redis. A single node uses
 * {@link #NONE}.
 */
public interface SharedLockouts {
    /**
     * Failures the other nodes counted for {@code client} (an address in literal form, or a network) within the
     * last window as of the last sync, weighted as a sliding window over fixed windows.
     */
    double othersFailures(String client, long nowMillis);

    /** This node counted one failure for {@code client}. */
    void failed(String client, long nowMillis);

    /** This node locked {@code client} out for {@code lockoutMillis}: the other nodes lock it out too. */
    void lockedOut(String client, long lockoutMillis);

    /** When (epoch ms, this node's clock) a lockout another node imposed on {@code client} ends; 0 if none is known. */
    long lockedUntil(String client);

    /** True while the other nodes' failures cannot be known: the node locks out after its share of the failures. */
    boolean degraded();

    /** The part of {@code max_failures} this node may see on its own while {@link #degraded()}. */
    double share();

    SharedLockouts NONE = new SharedLockouts() {
        public double othersFailures(String client, long nowMillis) {
            return 0;
        }

        public void failed(String client, long nowMillis) {}

        public void lockedOut(String client, long lockoutMillis) {}

        public long lockedUntil(String client) {
            return 0;
        }

        public boolean degraded() {
            return false;
        }

        public double share() {
            return 1.0;
        }
    };
}
