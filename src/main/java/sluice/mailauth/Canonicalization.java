package sluice.mailauth;

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
        ArrayOut out = new ArrayOut(body.length + 2);
        canonicalBody(body, 0, out);
        return java.util.Arrays.copyOf(out.bytes, out.size);
    }

    /**
     * SHA-256 of the canonical body (the bh= of a signature), computed in one pass that feeds the digest as the
     * canonical form is made, with no copy of the body: for a 100 KiB message this was a copy per line, a copy of the
     * whole, then the hash.
     */
    byte[] bodyHash(byte[] body) {
        return bodyHash(body, 0);
    }

    /** {@link #bodyHash(byte[])} of {@code bytes} from {@code from} to the end (a message's body, read in place). */
    byte[] bodyHash(byte[] bytes, int from) {
        DigestOut out = new DigestOut();
        canonicalBody(bytes, from, out);
        return out.finish();
    }

    /** Where canonical body bytes go. */
    private interface Out {
        void write(byte[] b, int off, int len);
    }

    private void canonicalBody(byte[] body, int start, Out out) {
        int pendingEmpty = 0; // empty lines are held back: trailing ones are dropped
        boolean any = false;
        byte[] line = this == RELAXED ? new byte[256] : null; // a relaxed line, collapsed; grown for a longer one
        int pos = start;
        while (pos < body.length) {
            int lf = pos;
            while (lf < body.length && body[lf] != '\n') lf++;
            int end = lf < body.length && lf > pos && body[lf - 1] == '\r' ? lf - 1 : lf;
            int next = lf < body.length ? lf + 1 : body.length;
            byte[] from;
            int off, len;
            if (this == RELAXED) {
                if (line.length < end - pos) line = new byte[Math.max(end - pos, line.length * 2)];
                len = relaxedLine(body, pos, end, line);
                from = line;
                off = 0;
            } else {
                from = body;
                off = pos;
                len = end - pos;
            }
            pos = next;
            if (len == 0) {
                pendingEmpty++;
                continue;
            }
            for (; pendingEmpty > 0; pendingEmpty--) out.write(CRLF, 0, 2);
            out.write(from, off, len);
            out.write(CRLF, 0, 2);
            any = true;
        }
        // An empty body is CRLF under simple, nothing under relaxed.
        if (!any && this == SIMPLE) out.write(CRLF, 0, 2);
    }

    /** Writes the relaxed form of b[from, to) into {@code into}; returns its length (trailing WSP dropped). */
    private static int relaxedLine(byte[] b, int from, int to, byte[] into) {
        int n = 0;
        boolean wsp = false;
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c == ' ' || c == '\t') {
                wsp = true;
                continue;
            }
            if (wsp) into[n++] = ' ';
            wsp = false;
            into[n++] = c;
        }
        return n; // a trailing WSP run is never written
    }

    /** A growable array, unsynchronised (ByteArrayOutputStream locks on every write). */
    private static final class ArrayOut implements Out {
        byte[] bytes;
        int size;

        ArrayOut(int capacity) {
            bytes = new byte[Math.max(16, capacity)];
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (size + len > bytes.length) bytes = java.util.Arrays.copyOf(bytes, Math.max(size + len, bytes.length * 2));
            System.arraycopy(b, off, bytes, size, len);
            size += len;
        }
    }

    /** SHA-256 fed in 8 KiB chunks (one digest call per chunk, not per line). */
    private static final class DigestOut implements Out {
        private final java.security.MessageDigest digest;
        private final byte[] chunk = new byte[8192];
        private int size;

        DigestOut() {
            try {
                digest = java.security.MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (size + len > chunk.length) {
                digest.update(chunk, 0, size);
                size = 0;
                if (len > chunk.length) {
                    digest.update(b, off, len);
                    return;
                }
            }
            System.arraycopy(b, off, chunk, size, len);
            size += len;
        }

        byte[] finish() {
            digest.update(chunk, 0, size);
            return digest.digest();
        }
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
