package sluice.transit;

import java.nio.charset.StandardCharsets;

/**
 * The {@code TLS-Required} header field of RFC 8689 5: "No" asks that DANE and MTA-STS failures not stop delivery.
 * Read from the header section only; any other value is ignored (the RFC defines none), and so is a malformed field.
 * Pure and total: hostile bytes give {@code false}, never an exception.
 */
public final class TlsRequiredHeader {
    public static final String NAME = "TLS-Required";
    private static final byte[] NAME_BYTES = NAME.getBytes(StandardCharsets.US_ASCII);
    // A header section longer than this is not a real one; the fact is not worth an unbounded scan.
    private static final int MAX_SCAN = 1 << 20;

    private TlsRequiredHeader() {}

    /** Whether the header section has {@code TLS-Required: No} (case-insensitive, folding and spaces allowed). */
    public static boolean saysNo(byte[] message) {
        if (message == null) return false;
        int limit = Math.min(message.length, MAX_SCAN);
        int i = 0;
        while (i < limit) {
            int eol = lineEnd(message, i, limit);
            if (eol == i) return false; // the empty line: end of the header section
            int colon = colonAfterName(message, i, eol);
            if (colon >= 0 && "no".equalsIgnoreCase(value(message, colon + 1, eol, limit))) return true;
            i = next(message, eol, limit);
        }
        return false;
    }

    /** The index of the colon when the line at {@code from} is a TLS-Required field, else -1. */
    private static int colonAfterName(byte[] m, int from, int eol) {
        int n = NAME_BYTES.length;
        if (eol - from < n + 1) return -1;
        for (int k = 0; k < n; k++) {
            if (Character.toLowerCase(m[from + k]) != Character.toLowerCase(NAME_BYTES[k])) return -1;
        }
        int c = from + n;
        while (c < eol && (m[c] == ' ' || m[c] == '\t')) c++; // RFC 5322 obs-optional: WSP before the colon
        return c < eol && m[c] == ':' ? c : -1;
    }

    /** The field's value, unfolded and stripped: from {@code start} to the end of its last continuation line. */
    private static String value(byte[] m, int start, int eol, int limit) {
        StringBuilder sb = new StringBuilder();
        int end = eol;
        while (true) {
            for (int k = start; k < end && sb.length() < 64; k++) sb.append((char) (m[k] & 0xff));
            int nextLine = next(m, end, limit);
            if (nextLine >= limit || sb.length() >= 64 || (m[nextLine] != ' ' && m[nextLine] != '\t')) break;
            start = nextLine;
            end = lineEnd(m, nextLine, limit);
        }
        return sb.toString().strip();
    }

    /** Index of the CR of CRLF (or a bare LF) ending the line at {@code from}, or {@code limit}. */
    private static int lineEnd(byte[] m, int from, int limit) {
        for (int k = from; k < limit; k++) {
            if (m[k] == '\n') return k > from && m[k - 1] == '\r' ? k - 1 : k;
        }
        return limit;
    }

    private static int next(byte[] m, int eol, int limit) {
        if (eol >= limit) return limit;
        return m[eol] == '\r' && eol + 1 < limit && m[eol + 1] == '\n' ? eol + 2 : eol + 1;
    }
}
