package sluice.smtp;

/** The outcome of handing a message to the queue. */
public sealed interface CommitResult {
    record Queued(String queueId) implements CommitResult {}

    /** Not stored; the reply says why (e.g. 452 4.3.1, 451 4.3.0). */
    record Refused(Reply reply) implements CommitResult {}
}
