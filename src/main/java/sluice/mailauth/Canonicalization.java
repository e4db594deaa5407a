package sluice.mailauth;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** RFC 6376 3.4: the simple and relaxed canonicalisations, shared by the signer and the verifier. */
public enum Canonicalization {
    SIMPLE,
    RELAXED;

    private static final byte[] CRLF = {'\r', '\n'};

    /** "simple" or "relaxed" (as in c=); null for anything else. */
    static Canonicalization of(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "simple" -> SIMPLE;
            case "relaxed" -> RELAXED;
            default -> null;
        };
    }

    String tagValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** One header field in canonical form, ending in CRLF. */
    String header(HeaderField field) {
        if (this == SIMPLE) return field.raw() + "\r\n";
        // 3.4.2: lower-case name, unfold, collapse WSP runs, strip WSP at both ends of the value and around the colon.
        String value = field.value().replace("\r\n", "").replace("\n", "").replace("\r", "");
        return field.lowerName() + ":" + trimSpace(collapse(value)) + "\r\n";
    }

    /** The canonical body (3.4.3, 3.4.4). */
    byte[] body(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 2);
        int pendingEmpty = 0; // empty lines are held back: trailing ones are dropped
        int pos = 0;
        while (pos < body.length) {
            int lf = pos;
            while (lf < body.length && body[lf] != '\n') lf++;
            int end = lf < body.length && lf > pos && body[lf - 1] == '\r' ? lf - 1 : lf;
            byte[] line = this == RELAXED ? relaxedLine(body, pos, end) : java.util.Arrays.copyOfRange(body, pos, end);
            pos = lf < body.length ? lf + 1 : body.length;
            if (line.length == 0) {
                pendingEmpty++;
                continue;
            }
            for (; pendingEmpty > 0; pendingEmpty--) out.writeBytes(CRLF);
            out.writeBytes(line);
            out.write('\r');
            out.write('\n');
        }
        // An empty body is CRLF under simple, nothing under relaxed.
        if (out.size() == 0 && this == SIMPLE) return new byte[] {'\r', '\n'};
        return out.toByteArray();
    }

    private static byte[] relaxedLine(byte[] b, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        boolean wsp = false;
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c == ' ' || c == '\t') {
                wsp = true;
                continue;
            }
            if (wsp) out.write(' ');
            wsp = false;
            out.write(c);
        }
        return out.toByteArray(); // trailing WSP dropped by never writing the held space
    }

    /** Only WSP is trimmed (String.strip would also eat other control characters, which are signed content). */
    private static String trimSpace(String collapsed) {
        int from = collapsed.startsWith(" ") ? 1 : 0;
        int to = collapsed.length() > from && collapsed.endsWith(" ") ? collapsed.length() - 1 : collapsed.length();
        return collapsed.substring(from, to);
    }

    private static String collapse(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean wsp = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t') {
                wsp = true;
                continue;
            }
            if (wsp) b.append(' ');
            wsp = false;
            b.append(c);
        }
        if (wsp) b.append(' ');
        return b.toString();
    }

    /**
     * The signed header fields in h= order (RFC 6376 5.4.2): each name takes the last not yet used field of that
     * name, from the bottom up; a name with none left contributes nothing (so over-signing works).
     */
    byte[] signedHeaders(List<HeaderField> fields, List<String> names) {
        Map<String, Integer> used = new HashMap<>();
        StringBuilder b = new StringBuilder();
        for (String name : names) {
            String lower = name.toLowerCase(Locale.ROOT);
            int skip = used.merge(lower, 1, Integer::sum) - 1;
            for (int i = fields.size() - 1; i >= 0; i--) {
                if (!fields.get(i).lowerName().equals(lower)) continue;
                if (skip-- == 0) {
                    b.append(header(fields.get(i)));
                    break;
                }
            }
        }
        return b.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The DKIM-Signature field itself as it is hashed: b= emptied, canonicalised, no trailing CRLF (3.7). */
    byte[] signatureHeader(HeaderField signature) {
        String emptied = Tags.withoutB(signature.raw());
        String c = header(new HeaderField(emptied));
        return c.substring(0, c.length() - 2).getBytes(StandardCharsets.ISO_8859_1);
    }
}
