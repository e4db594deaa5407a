package sluice.bounce;

import java.time.ZoneId;

/** The first, human-readable part of a report (RFC 6522 says it should explain the report in plain words). */
final class Explanation {
    private Explanation() {}

    static String render(DsnRequest r, ReportKind kind, ZoneId zone) {
        StringBuilder sb = new StringBuilder(1024);
        line(sb, "This is the mail system at host " + r.reportingMta() + ".");
        sb.append("\r\n");
        paragraph(sb, intro(kind));
        sb.append("\r\n");
        if (r.requireTls()) {
            paragraph(sb, "The message was sent with REQUIRETLS: it goes only to hosts reached over verified TLS that"
                    + " support REQUIRETLS, and this report returns only its header section.");
            sb.append("\r\n");
        }
        paragraph(sb, "If you need help, forward this report to postmaster@" + r.reportingMta()
                + ", or to your own postmaster. Leave out the returned message if it is private.");
        sb.append("\r\n");
        line(sb, "                   The mail system");
        for (DsnRecipient rcpt : r.recipients()) {
            sb.append("\r\n");
            recipient(sb, rcpt, zone);
        }
        return sb.toString();
    }

    private static String intro(ReportKind kind) {
        return switch (kind) {
            case FAILURE -> "We are sorry: your message could not be delivered to one or more of its recipients."
                    + " For those marked \"failed\" below the problem is permanent and the mail system has given up."
                    + " The message, or its header section, is attached.";
            case DELAY -> "This is a warning only; you do not need to send the message again."
                    + " Delivery to the recipients below has not yet succeeded. The mail system keeps trying"
                    + " and will tell you if it gives up.";
            case SUCCESS -> "Your message was delivered as you asked; this report confirms it for the recipients below.";
        };
    }

    private static void paragraph(StringBuilder sb, String text) {
        for (String l : LineFolder.fold("", text, "")) line(sb, l);
    }

    private static void recipient(StringBuilder sb, DsnRecipient rcpt, ZoneId zone) {
        String summary = "<" + rcpt.finalRecipient() + ">: " + rcpt.action().keyword() + " (" + rcpt.status() + ")";
        for (String l : LineFolder.fold("", summary, "    ")) line(sb, l);
        if (rcpt.diagnostic() != null) {
            String who = rcpt.remoteMta() == null ? "The remote server said: " : "Host " + rcpt.remoteMta() + " said: ";
            for (String l : LineFolder.fold("    ", who + rcpt.diagnostic(), "    ")) line(sb, l);
        }
        if (rcpt.action() == DsnRecipient.Action.DELAYED && rcpt.willRetryUntil() != null) {
            line(sb, "    Still trying until " + DeliveryStatusFields.date(rcpt.willRetryUntil(), zone) + ".");
        }
    }

    private static void line(StringBuilder sb, String text) {
        sb.append(text).append("\r\n");
    }
}
