package sluice.smtp;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * Header lines Sluice adds at acceptance: the RFC 5321 4.4 Received trace with the RFC 3848
 * protocol keyword and TLS details, and on submission a Message-ID and Date when the client left them out
 * (RFC 6409 8).
 */
public final class TraceHeaders {
    private static final DateTimeFormatter RFC5322 =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    /** A formatted date and the second and zone it is for. */
    private record Stamp(long second, ZoneId zone, String text) {}

    /**
     * The last date formatted: every message accepted within the same second reuses it. The formatter was the largest
     * cost of commit() in a CPU profile of bench/accept (about 1.5% of the server's CPU).
     */
    private static volatile Stamp last = new Stamp(Long.MIN_VALUE, ZoneId.of("UTC"), "");

    private TraceHeaders() {}

    /** RFC 5322 3.3 date-time, to the second. */
    static String date(ZonedDateTime now) {
        Stamp s = last;
        long second = now.toEpochSecond();
        if (s.second() == second && s.zone().equals(now.getZone())) return s.text();
        String text = RFC5322.format(now);
        last = new Stamp(second, now.getZone(), text);
        return text;
    }

    /** What the message's own header section already has. */
    record Found(boolean hasMessageId, boolean hasDate, String messageId) {}

    static String protocol(boolean esmtp, boolean tls, boolean auth, boolean utf8) {
        if (!esmtp) return "SMTP";
        String base = utf8 ? "UTF8SMTP" : "ESMTP";
        return base + (tls ? "S" : "") + (auth ? "A" : "");
    }

    static String received(SessionFacts f, String hostname, String queueId, List<RcptEntry> rcpts, ZonedDateTime now) {
        return received(f, hostname, queueId, rcpts.size() == 1 ? rcpts.get(0).mailbox().address() : null, now);
    }

    /**
     * The Received field (CRLF-terminated, folded) for a message accepted from {@code f}; {@code onlyRecipient} is named
     * in a "for" clause (only when there is exactly one recipient, so Bcc recipients are not disclosed), or null.
     */
    public static String received(SessionFacts f, String hostname, String queueId, String onlyRecipient, ZonedDateTime now) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("Received: from ").append(f.helo()).append(" (").append(literal(f.clientIp())).append(")\r\n");
        sb.append("\tby ").append(hostname).append(" (Sluice) with ").append(f.protocol()).append(" id ").append(queueId);
        if (f.tls() != null) {
            sb.append("\r\n\t(version=").append(f.tls()).append(" cipher=").append(f.cipher()).append(')');
        }
        if (onlyRecipient != null) {
            sb.append("\r\n\tfor <").append(onlyRecipient).append('>');
        }
        sb.append(";\r\n\t").append(date(now)).append("\r\n");
        return sb.toString();
    }

    static String messageIdHeader(String id) {
        return "Message-ID: " + id + "\r\n";
    }

    public static String dateHeader(ZonedDateTime now) {
        return "Date: " + date(now) + "\r\n";
    }

    public static String literal(InetAddress ip) {
        return ip instanceof Inet6Address ? "[IPv6:" + ip.getHostAddress() + "]" : "[" + ip.getHostAddress() + "]";
    }

    /** Scans the header section (up to the first empty line) of the data. */
    static Found scan(byte[] data, int length) {
        boolean hasId = false;
        boolean hasDate = false;
        String id = null;
        int i = 0;
        while (i < length) {
            int eol = indexOfCrlf(data, i, length);
            if (eol == i) break; // empty line: end of header section
            int lineEnd = eol < 0 ? length : eol;
            int value = valueStart(data, i, lineEnd, "message-id");
            if (value >= 0) {
                hasId = true;
                id = unfold(data, value, lineEnd, length);
            } else if (valueStart(data, i, lineEnd, "date") >= 0) {
                hasDate = true;
            }
            if (eol < 0) break;
            i = eol + 2;
        }
        return new Found(hasId, hasDate, id);
    }

    private static String unfold(byte[] data, int from, int lineEnd, int length) {
        StringBuilder sb = new StringBuilder(new String(data, from, lineEnd - from, StandardCharsets.UTF_8).strip());
        int i = lineEnd + 2;
        while (i < length && (data[i] == ' ' || data[i] == '\t')) {
            int eol = indexOfCrlf(data, i, length);
            int end = eol < 0 ? length : eol;
            sb.append(new String(data, i, end - i, StandardCharsets.UTF_8).strip());
            if (eol < 0) break;
            i = eol + 2;
        }
        String s = sb.toString();
        return s.length() > 998 ? s.substring(0, 998) : s;
    }

    /**
     * Where the value of header field {@code name} (lower case) starts on this line, just after the colon, or -1 if
     * the line is another field. Whitespace before the colon is the obsolete syntax of RFC 5322 4.5 and is accepted.
     */
    private static int valueStart(byte[] d, int from, int end, String name) {
        int n = name.length();
        if (end - from < n + 1) return -1;
        for (int k = 0; k < n; k++) {
            int c = d[from + k] | 0x20;
            if (c != name.charAt(k)) return -1;
        }
        int j = from + n;
        while (j < end && (d[j] == ' ' || d[j] == '\t')) j++;
        return j < end && d[j] == ':' ? j + 1 : -1;
    }

    private static int indexOfCrlf(byte[] d, int from, int length) {
        for (int i = from; i + 1 < length; i++) {
            if (d[i] == '\r' && d[i + 1] == '\n') return i;
        }
        return -1;
    }
}
