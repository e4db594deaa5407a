package sluice.shaping;

/** A lane's shared state kept in this process: two GCRA buckets and a counter. Guarded by its lane's monitor. */
final class LocalLaneState implements LaneState {
    private final Gcra messages = new Gcra(1, 1);
    private final Gcra connections = new Gcra(1, 1);
    private int held;

    @Override
    public Slot reserveMessage(long now, long intervalNanos, int burst) {
        messages.setInterval(intervalNanos, burst);
        return new Firm(messages.reserve(now));
    }

    @Override
    public void restartMessages(long now, long intervalNanos) {
        messages.setInterval(intervalNanos, 1);
        messages.restart(now);
    }

    @Override
    public long reserveConnection(long now, long intervalNanos, int burst) {
        connections.setInterval(intervalNanos, burst);
        return connections.reserve(now);
    }

    @Override
    public boolean acquireConnection(int limit) {
        if (limit > 0 && held >= limit) return false;
        held++;
        return true;
    }

    @Override
    public void releaseConnection() {
        if (held > 0) held--;
    }

    @Override
    public int connectionsHeld() {
        return held;
    }
}
