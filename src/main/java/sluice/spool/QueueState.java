package sluice.spool;

import java.time.Instant;

/**
 * The scheduler's bookkeeping for one message, persisted beside the envelope.
 *
 * @param nextAttempt null when ready now
 */
public record QueueState(boolean held, Instant nextAttempt, int attempts, String lastError) {
    public static final QueueState NEW = new QueueState(false, null, 0, null);
}
