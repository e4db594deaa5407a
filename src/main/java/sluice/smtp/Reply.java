package sluice.smtp;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One SMTP reply. {@code status} is null only where RFC 2034 omits it (greeting, EHLO, 334, 354).
 * Whatever text it is given, its lines are fit for the wire ({@link ReplyText}): no control characters,
 * at most 512 octets each with code and CRLF.
 *
 * @param close the server closes the connection after sending it
 */
public record Reply(int code, EnhancedStatus status, List<String> lines, boolean close) {

    public Reply {
        lines = List.copyOf(lines);
        if (lines.isEmpty()) throw new IllegalArgumentException("a reply has at least one line");
        lines = ReplyText.fit(code, status, lines);
    }

    public static Reply of(int code, String status, String text) {
        return new Reply(code, status == null ? null : EnhancedStatus.of(status), List.of(text), false);
    }

    public Reply closing() {
        return close ? this : new Reply(code, status, lines, true);
    }

    public Reply withText(String text) {
        return new Reply(code, status, List.of(text), close);
    }

    public boolean isPositive() {
        return code < 400;
    }

    /** The first line's text with code and enhanced status, as logged. */
    public String summary() {
        return code + (status == null ? "" : " " + status) + " " + lines.get(0);
    }

    /** Wire form: every line "CODE-" / "CODE " + enhanced status + text + CRLF. */
    public byte[] encode() {
        StringBuilder sb = new StringBuilder(64 * lines.size());
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (status != null) sb.append(status).append(' ');
            sb.append(lines.get(i)).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
