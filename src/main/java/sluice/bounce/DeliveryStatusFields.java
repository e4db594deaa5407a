package sluice.bounce;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The machine-readable part of a report: RFC 3464 section 2 fields, or with SMTPUTF8 the RFC 6533
 * message/global-delivery-status form, where addresses and diagnostics may be UTF-8.
 */
final class DeliveryStatusFields {
    static final DateTimeFormatter RFC5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    private DeliveryStatusFields() {}

    static String render(DsnRequest r, ZoneId zone, boolean global) {
        StringBuilder sb = new StringBuilder(512);
        sb.append(LineFolder.header("Reporting-MTA", "dns; " + r.reportingMta()));
        sb.append(LineFolder.header("X-Sluice-Queue-ID", r.queueId()));
        if (r.envid() != null) sb.append(LineFolder.header("Original-Envelope-Id", ascii(r.envid())));
        sb.append(LineFolder.header("Arrival-Date", date(r.arrivalDate(), zone)));
        for (DsnRecipient rcpt : r.recipients()) {
            sb.append("\r\n");
            recipient(sb, rcpt, zone, global);
        }
        return sb.toString();
    }

    private static void recipient(StringBuilder sb, DsnRecipient rcpt, ZoneId zone, boolean global) {
        sb.append(LineFolder.header("Final-Recipient", typedAddress("rfc822", rcpt.finalRecipient(), global)));
        if (rcpt.originalRecipient() != null) {
            sb.append(LineFolder.header("Original-Recipient", originalRecipient(rcpt.originalRecipient(), global)));
        }
        sb.append(LineFolder.header("Action", rcpt.action().keyword()));
        sb.append(LineFolder.header("Status", rcpt.status()));
        if (rcpt.remoteMta() != null) sb.append(LineFolder.header("Remote-MTA", "dns; " + ascii(rcpt.remoteMta())));
        if (rcpt.diagnostic() != null) {
            String text = global ? rcpt.diagnostic() : ascii(rcpt.diagnostic());
            sb.append(LineFolder.header("Diagnostic-Code", "smtp; " + text));
        }
        if (rcpt.lastAttempt() != null) sb.append(LineFolder.header("Last-Attempt-Date", date(rcpt.lastAttempt(), zone)));
        if (rcpt.action() == DsnRecipient.Action.DELAYED && rcpt.willRetryUntil() != null) {
            sb.append(LineFolder.header("Will-Retry-Until", date(rcpt.willRetryUntil(), zone)));
        }
    }

    /** The stored ORCPT is {@code addrtype;addr}; the report writes {@code addrtype; addr} (no type means rfc822). */
    static String originalRecipient(String stored, boolean global) {
        int semi = stored.indexOf(';');
        if (semi < 0) return typedAddress("rfc822", stored.trim(), global);
        return typedAddress(stored.substring(0, semi).trim(), stored.substring(semi + 1).trim(), global);
    }

    /**
     * A non-ASCII address is of type utf-8 (RFC 6533 3); outside message/global-delivery-status its
     * non-ASCII characters (and backslash) are written as embedded-unicode {@code \x{HEX}}.
     */
    static String typedAddress(String type, String address, boolean global) {
        if (isAscii(address)) return type + "; " + address;
        if (global) return "utf-8; " + address;
        StringBuilder sb = new StringBuilder("utf-8; ");
        address.codePoints().forEach(c -> {
            if (c < 0x80 && c != '\\') sb.appendCodePoint(c);
            else sb.append("\\x{").append(Integer.toHexString(c).toUpperCase(Locale.ROOT)).append('}');
        });
        return sb.toString();
    }

    static String date(Instant instant, ZoneId zone) {
        return RFC5322.format(instant.atZone(zone));
    }

    static boolean isAscii(String s) {
        return s.chars().allMatch(c -> c < 0x80);
    }

    /** message/delivery-status is ASCII only: anything else becomes '?'. */
    private static String ascii(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(c -> sb.append(c < 0x80 ? (char) c : '?'));
        return sb.toString();
    }
}
