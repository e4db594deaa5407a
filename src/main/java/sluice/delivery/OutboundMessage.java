package sluice.delivery;

import java.util.List;
import java.util.Objects;

/**
 * One transaction to send.
 *
 * @param sender    reverse path; "" is the null sender
 * @param data      the message with CRLF line ends, not dot-stuffed
 * @param eightBit  ask for BODY=8BITMIME (when the server offers it)
 * @param smtpUtf8  the envelope or headers need SMTPUTF8
 * @param envid     DSN ENVID in wire (xtext) form, or null
 * @param ret       DSN RET ("FULL" or "HDRS"), or null
 * @param requireTls sent with REQUIRETLS (RFC 8689): MAIL FROM carries it, and a host that does not announce it
 *                  gets no MAIL at all
 */
public record OutboundMessage(String sender, List<OutboundRecipient> recipients, byte[] data, boolean eightBit,
        boolean smtpUtf8, String envid, String ret, boolean requireTls) {

    public OutboundMessage {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(data, "data");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) throw new IllegalArgumentException("a message needs at least one recipient");
        requireOneLine("sender", sender);
        requireOneLine("ENVID", envid);
        requireOneLine("RET", ret);
    }

    /** Without REQUIRETLS. */
    public OutboundMessage(String sender, List<OutboundRecipient> recipients, byte[] data, boolean eightBit,
            boolean smtpUtf8, String envid, String ret) {
        this(sender, recipients, data, eightBit, smtpUtf8, envid, ret, false);
    }

    public static OutboundMessage of(String sender, List<String> recipients, byte[] data) {
        return new OutboundMessage(sender, recipients.stream().map(OutboundRecipient::of).toList(), data, false, false,
                null, null);
    }

    // A CR, LF or NUL in an envelope value would let it inject commands; a space would start a parameter,
    // except inside the quoted local part of an address ("john doe"@example.com, RFC 5321 4.1.2).
    static void requireOneLine(String what, String value) {
        if (value == null) return;
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' && (i == 0 || value.charAt(i - 1) != '\\')) quoted = !quoted;
            if (c == '\r' || c == '\n' || c == '\0' || c == ' ' && !quoted) {
                throw new IllegalArgumentException(what + " contains a space or line break");
            }
        }
    }
}
