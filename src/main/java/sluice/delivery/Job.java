package sluice.delivery;

import java.util.List;
import sluice.spool.Envelope;
import sluice.spool.Recipient;

/** One message's pending recipients for one destination, handed to a {@link Transport}. */
public record Job(String queueId, Envelope envelope, List<Recipient> recipients, Destination destination) {
    public Job {
        recipients = List.copyOf(recipients);
    }
}
