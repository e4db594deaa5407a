package sluice.shaping;

/**
 * What warming sources may still send today, per destination group. The in-process ledger keeps its counters
 * and days in the spool's database (they survive restarts); a cluster one shares them.
 */
public interface WarmupLedger {
    /** Messages {@code source} may still send to {@code group} today; {@code Long.MAX_VALUE} when it is not warming. */
    long remaining(String source, String group, long nowMillis);

    /** One message admitted from {@code source} to {@code group}. */
    void count(String source, String group, long nowMillis);

    /**
     * A message counted today was not attempted after all (its attempt ended throttled before a connection):
     * it gives back what {@link #count} took, so a cap is spent on messages sent, not on attempts held back.
     */
    default void refund(String source, String group, long nowMillis) {}

    /** When the next warm-up day starts (epoch millis), for a message waiting for it. */
    long nextDay(long nowMillis);

    /** Every warming source's state per group it has sent to, for the CLI, the API, the metrics and the dashboard. */
    default java.util.List<WarmupView> views(long nowMillis) {
        return java.util.List.of();
    }

    /** No source is warming. */
    WarmupLedger NONE = new WarmupLedger() {
        public long remaining(String source, String group, long nowMillis) {
            return Long.MAX_VALUE;
        }

        public void count(String source, String group, long nowMillis) {}

        public long nextDay(long nowMillis) {
            return nowMillis + 86_400_000L;
        }
    };
}
