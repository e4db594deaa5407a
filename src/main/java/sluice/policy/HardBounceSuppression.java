package sluice.policy;

import java.io.IOException;
import sluice.observe.DeliveryEvent;
import sluice.observe.EventSink;
import sluice.smtp.Addresses;

/**
 * An invalid-recipient hard bounce from a remote host puts the address on the suppression list for the sender's
 * domain (a local failure, or a bounce of a message with no sender, says nothing about the address).
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
                suppressions.add(Addresses.domainOf(a.sender()), a.recipient(), SuppressionList.boundedReason(
                        "hard bounce " + a.code() + (a.enhancedCode() == null ? "" : " " + a.enhancedCode()) + " from "
                                + a.remoteHost() + " on " + a.ts().toString().substring(0, 10)));
            } catch (IOException ex) {
                log.error("suppression list: {}", ex.getMessage());
            }
        }
    }
}
