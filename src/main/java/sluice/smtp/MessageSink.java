package sluice.smtp;

/** Where a finished transaction goes: the one door into the queue. */
public interface MessageSink {
    /** A fresh queue id, used in the Received header before the message is stored. */
    String newQueueId();

    /** Stores the message durably and returns only once it is safe (or refused). */
    CommitResult commit(Draft draft);

    /** A transaction command was refused by policy or limits; recorded as a {@code rejected} event. */
    void refused(Reply reply, SessionFacts facts, Mailbox sender, Mailbox recipient);
}
