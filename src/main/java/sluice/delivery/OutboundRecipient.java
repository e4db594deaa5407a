package sluice.delivery;

import java.util.Objects;

/**
 * One envelope recipient.
 *
 * @param dsnNotify DSN NOTIFY value as sent (e.g. "FAILURE,DELAY"), or null (named so because a record
 *                  component cannot be called {@code notify})
 * @param orcpt  DSN ORCPT in wire form ("rfc822;xtext"), or null
 */
public record OutboundRecipient(String address, String dsnNotify, String orcpt) {
    public OutboundRecipient {
        Objects.requireNonNull(address, "address");
        OutboundMessage.requireOneLine("recipient", address);
        OutboundMessage.requireOneLine("NOTIFY", dsnNotify);
        OutboundMessage.requireOneLine("ORCPT", orcpt);
    }

    public static OutboundRecipient of(String address) {
        return new OutboundRecipient(address, null, null);
    }
}
