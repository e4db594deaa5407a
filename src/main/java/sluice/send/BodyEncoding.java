package sluice.send;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A text part's body and its Content-Transfer-Encoding: 7bit when it is ASCII with lines of at most 998 octets,
 * quoted-printable (RFC 2045 6.7) when it is mostly ASCII, base64 when a third or more of it is not. Line breaks
 * become CRLF; the result ends with CRLF.
 */
record BodyEncoding(String transferEncoding, String body) {
    private static final int MAX_LINE = 998;
    private static final int QP_LINE = 76;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    static BodyEncoding of(String text) {
        String normal = text.replace("\r\n", "\n").replace('\r', '\n');
        if (normal.endsWith("\n")) normal = normal.substring(0, normal.length() - 1);
        String[] lines = normal.split("\n", -1);
        byte[] utf8 = normal.getBytes(StandardCharsets.UTF_8);
        long eightBit = 0;
        for (byte b : utf8) if (b < 0 || (b < 0x20 && b != '\t' && b != '\n')) eightBit++;
        boolean longLine = false;
        for (String l : lines) longLine |= l.getBytes(StandardCharsets.UTF_8).length > MAX_LINE;
        if (eightBit == 0 && !longLine) return new BodyEncoding("7bit", String.join("\r\n", lines) + "\r\n");
        if (eightBit * 3 >= utf8.length) {
            byte[] crlf = (String.join("\r\n", lines) + "\r\n").getBytes(StandardCharsets.UTF_8);
            return new BodyEncoding("base64", Base64.getMimeEncoder().encodeToString(crlf) + "\r\n");
        }
        StringBuilder out = new StringBuilder(utf8.length + utf8.length / 8);
        for (String l : lines) quotedPrintable(l.getBytes(StandardCharsets.UTF_8), out);
        return new BodyEncoding("quoted-printable", out.toString());
    }

    /** One line, with soft line breaks ("=" CRLF) so that no encoded line is longer than 76 characters. */
    private static void quotedPrintable(byte[] line, StringBuilder out) {
        int width = 0;
        for (int i = 0; i < line.length; i++) {
            int b = line[i] & 0xff;
            boolean last = i == line.length - 1;
            // Trailing white space would be lost in transport; "From " at a line start upsets mbox readers.
            boolean literal = (b >= 33 && b <= 126 && b != '=') || ((b == ' ' || b == '\t') && !last);
            if (i == 0 && b == 'F' && line.length >= 5 && new String(line, 0, 5, StandardCharsets.US_ASCII).equals("From ")) {
                literal = false;
            }
            int tokenWidth = literal ? 1 : 3; // one character, or "=XX"; no String per byte (a 21 MB text made 21 M of them)
            if (width + tokenWidth > QP_LINE - 1 && !(last && width + tokenWidth <= QP_LINE)) {
                out.append("=\r\n");
                width = 0;
            }
            if (literal) {
                out.append((char) b);
            } else {
                out.append('=').append(HEX[b >> 4]).append(HEX[b & 0xf]);
            }
            width += tokenWidth;
        }
        out.append("\r\n");
    }
}
