package sluice.mailauth;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A message split into its header fields and body. Lines end in CRLF; a bare LF is read as a line end too (some
 * local injectors write them), so the split never depends on which one the sender used. The body is not copied: it
 * is the message's bytes from {@code bodyStart} (a 100 KiB body was copied once more per signature or check).
 */
record Message(List<HeaderField> headers, byte[] bytes, int bodyStart) {

    Message {
        headers = List.copyOf(headers);
    }

    /** A copy of the body. */
    byte[] body() {
        return Arrays.copyOfRange(bytes, bodyStart, bytes.length);
    }

    /** SHA-256 of the body in canonical form {@code c} (bh=), read in place. */
    byte[] bodyHash(Canonicalization c) {
        return c.bodyHash(bytes, bodyStart);
    }

    static Message parse(byte[] message) {
        List<HeaderField> headers = new ArrayList<>();
        StringBuilder field = null;
        int pos = 0;
        while (pos < message.length) {
            int lf = indexOf(message, (byte) '\n', pos);
            int next = lf < 0 ? message.length : lf + 1;
            int end = lf < 0 ? message.length : (lf > pos && message[lf - 1] == '\r' ? lf - 1 : lf);
            String line = new String(message, pos, end - pos, StandardCharsets.ISO_8859_1);
            if (line.isEmpty()) {
                pos = next;
                break;
            }
            boolean continuation = line.charAt(0) == ' ' || line.charAt(0) == '\t';
            if (continuation && field != null) {
                field.append("\r\n").append(line);
            } else {
                if (field != null) headers.add(new HeaderField(field.toString()));
                field = new StringBuilder(line);
            }
            pos = next;
        }
        if (field != null) headers.add(new HeaderField(field.toString()));
        return new Message(headers, message, Math.min(pos, message.length));
    }

    private static int indexOf(byte[] b, byte c, int from) {
        for (int i = from; i < b.length; i++) if (b[i] == c) return i;
        return -1;
    }

    /** How many fields are named {@code lowerName}. */
    int count(String lowerName) {
        int n = 0;
        for (HeaderField h : headers) if (h.lowerName().equals(lowerName)) n++;
        return n;
    }

    /** The first field named {@code lowerName}, or null. */
    HeaderField first(String lowerName) {
        for (HeaderField h : headers) if (h.lowerName().equals(lowerName)) return h;
        return null;
    }
}
