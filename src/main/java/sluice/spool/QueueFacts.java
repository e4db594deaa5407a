package sluice.spool;

import java.time.Instant;
import java.util.List;

/**
 * What the scheduler's index needs of a stored message at start: its queue state's timing and where its pending
 * recipients go. Read from the same record as the whole envelope, which delivery decodes when the message is due.
 *
 * @param nextAttempt       null when ready now
 * @param pendingRecipients the addresses of the recipients still {@link RecipientState#PENDING}, in stored order
 */
public record QueueFacts(String id, boolean held, Instant nextAttempt, List<String> pendingRecipients) {}
