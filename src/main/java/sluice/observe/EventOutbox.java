package sluice.observe;

import java.util.List;
import sluice.spool.OutboxRecords;

/**
 * Turns the events a spool write reports into the outbox entries stored in that same write (webhooks), so that
 * the queue stores them without knowing what they are for or where they go.
 */
@FunctionalInterface
public interface EventOutbox {
    EventOutbox NONE = events -> OutboxRecords.NONE;

    /** The entries for {@code events} (in the order they happened); {@link OutboxRecords#NONE} when none is wanted. */
    OutboxRecords recordsFor(List<DeliveryEvent> events);
}
