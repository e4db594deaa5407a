package sluice.smtp;

import java.util.Locale;

/**
 * An RFC 5321 mailbox. {@code localPart} is kept in wire form (a quoted local part keeps its quotes)
 * so the address is passed on exactly as received.
 */
public record Mailbox(String localPart, String domain) {

    /**
     * Parses a bare address ({@code local@domain}, no angle brackets) with the RFC 5321 grammar (RFC 6531 UTF-8
     * allowed), as MAIL and RCPT do.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static Mailbox parse(String text) {
        try {
            return PathParser.mailbox(text);
        } catch (PathParser.BadPath e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /** The address as written on the wire, without angle brackets. */
    public String address() {
        return localPart + "@" + domain;
    }

    public String domainLower() {
        return domain.toLowerCase(Locale.ROOT);
    }

    public boolean isAddressLiteral() {
        return domain.startsWith("[");
    }

    /**
     * Whether the local part could route mail elsewhere when handed to a naive MTA: the percent hack
     * (user%other@here), bang paths (other!user@here) or an @ inside a quoted local part.
     */
    public boolean hasRoutingCharacters() {
        return localPart.indexOf('%') >= 0 || localPart.indexOf('!') >= 0 || localPart.indexOf('@') >= 0;
    }

    public boolean isAscii() {
        return isAscii(localPart) && isAscii(domain);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 0x80) return false;
        return true;
    }

    @Override
    public String toString() {
        return address();
    }
}
