package sluice.delivery;

import java.util.List;
import sluice.spool.Envelope;
import sluice.spool.Recipient;

/**
 * One message's pending recipients for one destination, handed to a {@link Transport}; {@code shape} is what
 * shaping allowed the attempt (source, group limits), or null before shaping looked at it.
 */
public record Job(String queueId, Envelope envelope, List<Recipient> recipients, Destination destination, Shape shape) {
    public Job {
        recipients = List.copyOf(recipients);
    }

    public Job(String queueId, Envelope envelope, List<Recipient> recipients, Destination destination) {
        this(queueId, envelope, recipients, destination, null);
    }

    public Job shaped(Shape s) {
        return new Job(queueId, envelope, recipients, destination, s);
    }
}
