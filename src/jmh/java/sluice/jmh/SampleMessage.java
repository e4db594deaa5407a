package sluice.jmh;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * The messages the benchmarks chew on: a bulk sender's HTML newsletter, quoted-printable, CRLF lines of at most 76
 * characters with indentation (which relaxed canonicalisation collapses), made the same way on every run.
 */
public final class SampleMessage {
    private static final String[] WORDS = {"the", "offer", "newsletter", "unsubscribe", "<td", "style=3D\"padding:", "0",
            "8px;\">", "</td>", "<a", "href=3D\"https://example.test/c/", "\">", "</a>", "sale", "December", "price",
            "<span", "class=3D\"x\">", "</span>", "shipping", "free", "=E2=82=AC", "order", "today", "<br>"};

    private SampleMessage() {}

    /** The header section, CRLF-terminated, with the blank line. */
    public static byte[] headers() {
        return ("Received: from mta.far.test (mta.far.test [192.0.2.10])\r\n\tby bench.sluice.test with ESMTP id 4XyZ\r\n"
                + "From: \"Far Shop\" <news@far.test>\r\n"
                + "To: bob@example.test\r\n"
                + "Subject: Our December offers, just for you\r\n"
                + "Date: Mon, 07 Dec 2026 06:00:00 +0000\r\n"
                + "Message-ID: <20261207060000.4XyZ@far.test>\r\n"
                + "MIME-Version: 1.0\r\n"
                + "List-Unsubscribe: <https://far.test/u/4XyZ>, <mailto:unsub@far.test?subject=4XyZ>\r\n"
                + "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
                + "Content-Type: text/html;\r\n charset=\"utf-8\"\r\n"
                + "Content-Transfer-Encoding: quoted-printable\r\n"
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * A body of about {@code size} bytes (never less); with {@code dotLines}, every 8th line starts with a dot, as
     * quoted-printable HTML often does ({@code .header {...}} in a style block).
     */
    public static byte[] body(int size, boolean dotLines) {
        Random random = new Random(15);
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 100);
        StringBuilder line = new StringBuilder(80);
        for (int n = 0; out.size() < size; n++) {
            line.setLength(0);
            if (dotLines && n % 8 == 7) line.append(".btn{color:#fff}");
            else line.append(" ".repeat(random.nextInt(4) * 2)); // indented HTML
            while (line.length() < 70) line.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
            if (line.length() > 75) line.setLength(75);
            line.append(n % 5 == 4 ? "" : "=").append("\r\n"); // soft line breaks, some hard ones
            out.writeBytes(line.toString().getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    /** Headers and body. */
    public static byte[] message(int size, boolean dotLines) {
        byte[] h = headers();
        byte[] b = body(size - h.length, dotLines);
        byte[] m = new byte[h.length + b.length];
        System.arraycopy(h, 0, m, 0, h.length);
        System.arraycopy(b, 0, m, h.length, b.length);
        return m;
    }

    /** The message as it travels in DATA: dot-stuffed, ending in CRLF . CRLF. */
    public static byte[] wire(byte[] message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 64);
        boolean lineStart = true;
        for (byte c : message) {
            if (lineStart && c == '.') out.write('.');
            out.write(c);
            lineStart = c == '\n';
        }
        out.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }
}
