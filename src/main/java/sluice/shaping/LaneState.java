package sluice.shaping;

/**
 * The part of a lane's state that the nodes of a cluster must share so that a limit holds for the fleet, not per
 * node: the message-rate bucket, the connection-rate bucket, the connections held and the backoff limits. A single
 * node keeps it in this process ({@link LocalLaneState}); cluster mode keeps it in Redis (GCRA on the server's
 * clock, connection leases with a TTL). The lane calls it under its monitor, so an implementation answers from
 * memory and never waits on the network there (a shared one works from tokens and leases taken ahead in small
 * batches, and says "ask again" when it has none at hand).
 *
 * <p>What stays in the lane: the slots reserved for waiting jobs, the parked wake-ups, and the backoff window's
 * bookkeeping, which are this node's own.
 */
public interface LaneState {
    /** The answer to a request for a message slot. */
    sealed interface Slot {
        long at();
    }

    /** The slot at {@code at} is the caller's: the message may go then (now, if not later than now). */
    record Firm(long at) implements Slot {}

    /**
     * No slot is held for the caller: ask again at {@code at}. A shared state answers this when it has no token at
     * hand; the caller must not go at {@code at} without asking (that would overshoot the fleet's rate).
     */
    record LookAgain(long at) implements Slot {}

    /**
     * The limits a lane backs off to (or recovers to), shared so that a rate-limit reply seen by one node slows
     * every node. {@code stamp} tells one publication from the next.
     */
    record Limits(double ratePerSecond, double ceilingPerSecond, int connections, int connectionCeiling,
                  boolean backingOff, long stamp) {}

    /**
     * Asks for the next message slot for a rate of one message per {@code intervalNanos} with bursts of
     * {@code burst}.
     */
    Slot reserveMessage(long now, long intervalNanos, int burst);

    /** Forgets the reserved message slots (after a rate change): the next message may go one interval from now. */
    void restartMessages(long now, long intervalNanos);

    /**
     * As {@link #reserveMessage}, for opening a connection: not later than {@code now} means open now, else not
     * before the time returned.
     */
    long reserveConnection(long now, long intervalNanos, int burst);

    /** Takes a connection if fewer than {@code limit} are held ({@code 0}: no limit); false when none is free. */
    boolean acquireConnection(int limit);

    /** Gives back a connection {@link #acquireConnection} took. */
    void releaseConnection();

    /** Connections held now (in a cluster: by the whole fleet, as last seen). */
    int connectionsHeld();

    /**
     * True when {@link #connectionsHeld} counts the fleet's connections in use (a shared state). Connections kept
     * idle for reuse are not counted there, and another node could not see them: a lane with a connection limit
     * then closes each connection after its attempt, so the remote never sees more connections than the limit.
     */
    default boolean fleetWide() {
        return false;
    }

    /** This node changed the lane's limits (backoff or recovery): tell the other nodes. */
    default void shareLimits(Limits limits) {}

    /** The limits last published by any node, or null (a single node has nobody to hear from). */
    default Limits sharedLimits() {
        return null;
    }

    /**
     * {@code wake} is to be run (never under the state's or the lane's monitor) when connections this state could
     * not give a moment ago may be free now (a lease granted in the background).
     */
    default void onFree(Runnable wake) {}

    /**
     * The shaper forgot the lane (idle, no connection held): a shared store forgets the state too, so that a node
     * sending to many domains does not keep every domain it ever saw. Never called while a connection is held.
     */
    default void release() {}

    /** Makes a lane's state. */
    @FunctionalInterface
    interface Factory {
        /** Every call for the same source and group key (a rule's group, or a domain) shares one state. */
        LaneState open(String source, String groupKey);

        /** This process only: a fresh {@link LocalLaneState} per lane. */
        Factory LOCAL = (source, groupKey) -> new LocalLaneState();
    }
}
