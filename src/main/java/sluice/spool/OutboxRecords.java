package sluice.spool;

import java.util.function.BiConsumer;

/**
 * Entries another room adds to a spool write, stored in the "outbox" family in the same atomic batch as the
 * message's change (webhook events and the outcome they report are durable together or not at all). The entries are
 * produced while the batch is assembled, on the committer's one thread, so keys numbered there follow commit order.
 */
@FunctionalInterface
public interface OutboxRecords {
    OutboxRecords NONE = put -> {};

    /** Hands each entry (key, value) to {@code put}; called once, on the committer's thread. Must not block. */
    void writeTo(BiConsumer<byte[], byte[]> put);
}
