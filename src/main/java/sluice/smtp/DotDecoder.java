package sluice.smtp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Incremental DATA reader (RFC 5321 4.5.2): removes dot-stuffing, finds the end of data and notes
 * what makes the message unacceptable. The end of data is only {@code CRLF . CRLF}: a bare LF or CR
 * never starts a line, so no SMTP smuggling variant (LF.LF, CR.CR, LF.CRLF, …) ends the message early;
 * the whole input up to the real end marker is refused instead.
 */
public final class DotDecoder {
    private static final int LINE_START = 0, DOT = 1, DOT_CR = 2, IN_LINE = 3, CR = 4;
    /** RFC 5321 4.5.3.1.6: 1000 octets including CRLF. */
    static final int MAX_LINE = 998;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L, HIGHS = 0x8080808080808080L;
    private static final long CRS = ONES * '\r', LFS = ONES * '\n';

    private final MessageBuffer out;
    private int state = LINE_START;
    private int lineLength;
    private boolean bareNewline;
    private boolean lineTooLong;
    private boolean done;

    public DotDecoder(MessageBuffer out) {
        this.out = out;
    }

    public void reset() {
        state = LINE_START;
        lineLength = 0;
        bareNewline = false;
        lineTooLong = false;
        done = false;
    }

    /**
     * Consumes input up to and including the end-of-data line, or all of it.
     *
     * @return the number of bytes consumed; fewer than {@code len} only when {@link #done()}
     */
    public int feed(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        int run = off; // start of bytes not yet copied to out
        while (i < end) {
            byte c = b[i];
            switch (state) {
                case LINE_START -> {
                    if (c == '.') {
                        copy(b, run, i);
                        i++;
                        run = i;
                        state = DOT;
                    } else {
                        state = IN_LINE;
                    }
                }
                case DOT -> {
                    if (c == '\r') {
                        i++;
                        run = i;
                        state = DOT_CR;
                    } else {
                        state = IN_LINE; // the stuffed dot was dropped
                    }
                }
                case DOT_CR -> {
                    if (c == '\n') {
                        done = true;
                        return i + 1 - off;
                    }
                    bareNewline = true; // ".<CR>x"
                    out.append((byte) '\r');
                    lineLength++;
                    state = IN_LINE;
                }
                case IN_LINE -> {
                    int j = lineEnd(b, i, end);
                    lineLength += j - i;
                    i = j;
                    if (i == end) break;
                    if (b[i] == '\r') {
                        state = CR;
                    } else {
                        bareNewline = true; // a bare LF never ends a line
                        lineLength++;
                    }
                    i++;
                }
                case CR -> {
                    if (c == '\n') {
                        if (lineLength > MAX_LINE) lineTooLong = true;
                        lineLength = 0;
                        i++;
                        state = LINE_START;
                    } else {
                        bareNewline = true; // a bare CR
                        lineLength++;
                        state = IN_LINE;
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
        copy(b, run, end);
        return len;
    }

    /**
     * The index of the first CR or LF in b[from, end), or end. Reads 8 bytes at a time (a CR or LF shows as a zero
     * byte of the word XOR the repeated character): the byte-at-a-time loop decoded about 1.2 GB/s, see bench/jmh.
     */
    static int lineEnd(byte[] b, int from, int end) {
        int i = from;
        for (; i + 8 <= end; i += 8) {
            long w = (long) LONGS.get(b, i);
            long cr = w ^ CRS, lf = w ^ LFS;
            // Per byte, the high bit is set where the byte is zero; the lowest such bit is exact (borrows run upwards).
            long found = ((cr - ONES) & ~cr | (lf - ONES) & ~lf) & HIGHS;
            if (found != 0) return i + (Long.numberOfTrailingZeros(found) >>> 3);
        }
        while (i < end && b[i] != '\r' && b[i] != '\n') i++;
        return i;
    }

    private void copy(byte[] b, int from, int to) {
        if (to > from) out.append(b, from, to - from);
    }

    public boolean done() {
        return done;
    }

    public boolean bareNewline() {
        return bareNewline;
    }

    public boolean lineTooLong() {
        return lineTooLong;
    }
}
