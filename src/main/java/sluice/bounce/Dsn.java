package sluice.bounce;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.util.List;

/**
 * Builds delivery status notifications: RFC 6522 multipart/report messages with an RFC 3464
 * delivery-status part, honouring RFC 3461's RET and ENVID, and RFC 6533's message/global* types
 * when the original needed SMTPUTF8.
 *
 * <p>The result is a whole RFC 5322 message with CRLF line endings. Lines the report itself writes stay
 * within 998 octets; the returned original is copied as it was accepted.
 */
public final class Dsn {
    /** With no RET, the whole original comes back up to this size; above it only its header section. */
    public static final int FULL_BY_DEFAULT_LIMIT = 256 * 1024;

    private static final int BOUNDARY_MAX = 70; // RFC 2046 5.1.1

    private Dsn() {}

    /** A part of the report: its MIME header lines (without the terminating blank line) and body. */
    private record Part(String headers, byte[] body) {}

    /**
     * Builds the report for {@code r}, dated {@code now} (whose zone is used for every date in it).
     *
     * @param messageId the new message's id, with or without angle brackets
     * @throws IllegalArgumentException if the original sender is the null sender: reports never go there
     */
    public static byte[] build(DsnRequest r, ZonedDateTime now, String messageId) {
        String sender = r.originalSender().strip();
        if (sender.isEmpty() || sender.equals("<>")) {
            throw new IllegalArgumentException("no delivery status notification to the null sender");
        }
        ReportKind kind = ReportKind.of(r.recipients());
        boolean global = r.smtpUtf8();

        String explanation = Explanation.render(r, kind, now.getZone());
        String status = DeliveryStatusFields.render(r, now.getZone(), global);
        boolean full = returnsFullMessage(r, kind);
        byte[] returned = full ? r.originalMessage() : headerSection(r.originalMessage());

        List<Part> parts = List.of(
                part("text/plain; charset=utf-8", "Notification", utf8(explanation)),
                part(global ? "message/global-delivery-status" : "message/delivery-status",
                        "Delivery report", utf8(status)),
                part(returnedType(full, global), full ? "Returned message" : "Returned message headers", returned));

        String boundary = boundary(r, now, parts);
        boolean eightBit = parts.stream().anyMatch(p -> !isSevenBit(p.body()));

        StringBuilder head = new StringBuilder(512);
        head.append("From: Mail Delivery System <MAILER-DAEMON@").append(r.reportingMta()).append(">\r\n");
        head.append(LineFolder.header("To", "<" + sender + ">"));
        head.append("Subject: ").append(kind.subject).append("\r\n");
        head.append("Date: ").append(DeliveryStatusFields.RFC5322.format(now)).append("\r\n");
        head.append("Message-ID: ").append(angleBracketed(messageId)).append("\r\n");
        head.append("Auto-Submitted: auto-replied\r\n");
        head.append("MIME-Version: 1.0\r\n");
        head.append("Content-Type: multipart/report; report-type=delivery-status;\r\n");
        head.append("\tboundary=\"").append(boundary).append("\"\r\n");
        head.append("Content-Transfer-Encoding: ").append(eightBit ? "8bit" : "7bit").append("\r\n");
        head.append("\r\n");
        head.append("This is a MIME-encapsulated message.\r\n");

        ByteArrayOutputStream out = new ByteArrayOutputStream(returned.length + 4096);
        out.writeBytes(utf8(head.toString()));
        for (Part p : parts) {
            out.writeBytes(utf8("\r\n--" + boundary + "\r\n" + p.headers() + "\r\n"));
            out.writeBytes(p.body());
        }
        out.writeBytes(utf8("\r\n--" + boundary + "--\r\n"));
        return out.toByteArray();
    }

    /**
     * The enhanced status (RFC 3463) for a reply: {@code enhancedStatus} when it is well formed, with its class
     * made to agree with the reply code (as Postfix does), else {@code 2.0.0}, {@code 4.0.0} or {@code 5.0.0}.
     *
     * @throws IllegalArgumentException for reply codes outside the 2xx, 4xx and 5xx classes
     */
    public static String statusFor(int replyCode, String enhancedStatus) {
        int codeClass = replyCode / 100;
        if (replyCode < 200 || replyCode > 599 || codeClass == 3) {
            throw new IllegalArgumentException("no delivery status for reply code " + replyCode);
        }
        if (enhancedStatus != null && DsnRecipient.STATUS.matcher(enhancedStatus.strip()).matches()) {
            return codeClass + enhancedStatus.strip().substring(1);
        }
        return codeClass + ".0.0";
    }

    /**
     * RFC 3461 4.3: RET applies to failures; a report without failures returns only the header section. RFC 8689 5:
     * a REQUIRETLS message's body never comes back, since the report may travel where the original could not.
     */
    private static boolean returnsFullMessage(DsnRequest r, ReportKind kind) {
        if (kind != ReportKind.FAILURE || r.requireTls()) return false;
        if (r.ret() == null) return r.originalMessage().length <= FULL_BY_DEFAULT_LIMIT;
        return r.ret().equalsIgnoreCase("FULL");
    }

    private static String returnedType(boolean full, boolean global) {
        if (global) return full ? "message/global" : "message/global-headers";
        return full ? "message/rfc822" : "text/rfc822-headers";
    }

    private static Part part(String type, String description, byte[] body) {
        String headers = "Content-Type: " + type + "\r\n"
                + "Content-Description: " + description + "\r\n"
                + "Content-Transfer-Encoding: " + (isSevenBit(body) ? "7bit" : "8bit") + "\r\n";
        return new Part(headers, body);
    }

    /** The original's header section: everything before the first empty line, each field ending in CRLF. */
    static byte[] headerSection(byte[] message) {
        if (message.length >= 2 && message[0] == '\r' && message[1] == '\n') return new byte[0];
        int end = indexOf(message, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
        if (end < 0) return message;
        byte[] headers = new byte[end + 2];
        System.arraycopy(message, 0, headers, 0, end + 2);
        return headers;
    }

    /**
     * A boundary made from the queue id, the time and our host name, lengthened until no part contains it,
     * so the same input always gives the same message.
     */
    private static String boundary(DsnRequest r, ZonedDateTime now, List<Part> parts) {
        String base = "=_" + boundaryChars(r.queueId()) + "." + now.toEpochSecond() + "/" + boundaryChars(r.reportingMta());
        if (base.length() > BOUNDARY_MAX - 8) base = base.substring(0, BOUNDARY_MAX - 8);
        String candidate = base;
        for (int n = 1; appearsIn(candidate, parts); n++) {
            candidate = base + "." + n;
        }
        return candidate;
    }

    private static boolean appearsIn(String boundary, List<Part> parts) {
        byte[] needle = boundary.getBytes(StandardCharsets.US_ASCII);
        return parts.stream().anyMatch(p -> indexOf(p.body(), needle, 0) >= 0);
    }

    private static String boundaryChars(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._".indexOf(c) >= 0;
            sb.append(ok ? c : '_');
        }
        return sb.toString();
    }

    private static String angleBracketed(String id) {
        String s = LineFolder.singleLine(id);
        return s.startsWith("<") ? s : "<" + s + ">";
    }

    private static boolean isSevenBit(byte[] bytes) {
        for (byte b : bytes) if (b < 0) return false;
        return true;
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) continue outer;
            }
            return i;
        }
        return -1;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
