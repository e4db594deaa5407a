package sluice.cluster;

/** Redis did not answer in time, refused, or is not reachable: the caller falls back to its local share. */
public final class RedisUnavailable extends Exception {
    public RedisUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
