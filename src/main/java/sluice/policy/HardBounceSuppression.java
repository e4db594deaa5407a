package sluice.policy;

import sluice.observe.DeliveryEvent;
import sluice.observe.EventSink;
import sluice.smtp.Addresses;

/**
 * An invalid-recipient hard bounce from a remote host puts the address on the suppression list for the sender's
 * domain (a local failure, or a bounce of a message with no sender, says nothing about the address). It runs on the
 * publishing (delivery) thread, so it only queues the entry: see {@link SuppressionList#offer}.
 */
public final class HardBounceSuppression implements EventSink {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(HardBounceSuppression.class);
    private final SuppressionList suppressions;

    public HardBounceSuppression(SuppressionList suppressions) {
        this.suppressions = suppressions;
    }

    @Override
    public void publish(DeliveryEvent e) {
        if (e instanceof DeliveryEvent.Attempt a && a.event().equals("bounced") && "invalid_recipient".equals(a.bounceClass())
                && a.sender() != null && !a.sender().isEmpty() && a.remoteHost() != null) {
            try {
                // never waits: queued for the list's writer thread (a full buffer is counted and logged there)
                suppressions.offer(Addresses.domainOf(a.sender()), a.recipient(),
                        "hard bounce " + a.code() + (a.enhancedCode() == null ? "" : " " + a.enhancedCode()) + " from "
                                + a.remoteHost() + " on " + a.ts().toString().substring(0, 10));
            } catch (IllegalArgumentException ex) {
                log.warn("suppression list: hard bounce of {} not recorded: {}", sluice.smtp.ReplyText.forLog(a.recipient(), 80),
                        ex.getMessage());
            }
        }
    }
}
