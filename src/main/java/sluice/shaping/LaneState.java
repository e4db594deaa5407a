package sluice.shaping;

/**
 * The part of a lane's state that the nodes of a cluster must share so that a limit holds for the fleet, not per
 * node: the message-rate bucket, the connection-rate bucket and the connections held. A single node keeps it in
 * this process ({@link LocalLaneState}); cluster mode keeps it in Redis (GCRA on the server's clock, connection
 * leases with a TTL). The lane calls it under its monitor, so an implementation answers from memory and never
 * waits on the network there (a shared one works from tokens and leases taken ahead in small batches).
 *
 * <p>What stays in the lane: the slots reserved for waiting jobs, the parked wake-ups, and the backoff window's
 * bookkeeping, which are this node's own.
 */
public interface LaneState {
    /**
     * Takes the next message slot for a rate of one message per {@code intervalNanos} with bursts of {@code burst}
     * and returns its time: not later than {@code now} means the message may go now.
     */
    long reserveMessage(long now, long intervalNanos, int burst);

    /** Forgets the reserved message slots (after a rate change): the next message may go one interval from now. */
    void restartMessages(long now, long intervalNanos);

    /** As {@link #reserveMessage}, for opening a connection. */
    long reserveConnection(long now, long intervalNanos, int burst);

    /** Takes a connection if fewer than {@code limit} are held ({@code 0}: no limit); false when none is free. */
    boolean acquireConnection(int limit);

    /** Gives back a connection {@link #acquireConnection} took. */
    void releaseConnection();

    /** Connections held now. */
    int connectionsHeld();

    /** Makes a lane's state. */
    @FunctionalInterface
    interface Factory {
        /** Every call for the same source and group key (a rule's group, or a domain) shares one state. */
        LaneState open(String source, String groupKey);

        /** This process only: a fresh {@link LocalLaneState} per lane. */
        Factory LOCAL = (source, groupKey) -> new LocalLaneState();
    }
}
