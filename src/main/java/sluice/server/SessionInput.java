package sluice.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import sluice.smtp.DotDecoder;

/**
 * Buffered reading of one connection's input: command lines split on LF in bulk, DATA fed to the
 * decoder straight from the buffer, BDAT chunks likewise. Knows nothing of what the bytes mean.
 * <p>
 * The buffer starts small and is large only while a message body (or a long SASL line) comes in: most sessions
 * spend their life idle between commands, and a 32 KiB buffer each made 10,000 idle sessions cost 556 MB
 * (bench/sessions). Bodies still arrive in 32 KiB reads.
 */
final class SessionInput {
    enum LineKind { LINE, TOO_LONG, BARE_NEWLINE, EOF }

    /** Holds a command line (512) and a pipelined group of them. */
    static final int SMALL = 2 * 1024;
    /** For bodies: one read takes what a loopback or LAN client sends at once. */
    static final int LARGE = 32 * 1024;

    private InputStream in;
    private byte[] buf = new byte[SMALL];
    private int pos;
    private int lim;
    private String line;

    SessionInput(InputStream in) {
        this.in = in;
    }

    /** After STARTTLS: read from the TLS stream; anything still buffered was sent in plaintext and is dropped. */
    void switchTo(InputStream tlsIn) {
        in = tlsIn;
        pos = 0;
        lim = 0;
        shrink();
    }

    /** The buffer's size now (for tests). */
    int capacity() {
        return buf.length;
    }

    /** Plaintext bytes buffered beyond the current command (pipelined after STARTTLS). */
    int buffered() {
        return lim - pos;
    }

    boolean hasCompleteLine() {
        for (int i = pos; i < lim; i++) if (buf[i] == '\n') return true;
        return false;
    }

    /** The line read by the last {@link #readLine} that returned LINE. */
    String line() {
        return line;
    }

    LineKind readLine(int max) throws IOException {
        int scan = pos;
        while (true) {
            for (int i = scan; i < lim; i++) {
                if (buf[i] == '\n') return takeLine(i, max);
            }
            if (lim - pos > max + 2) return skipLongLine();
            scan = lim;
            int shift = compact();
            scan -= shift;
            if (fill() < 0) return LineKind.EOF;
        }
    }

    private LineKind takeLine(int lf, int max) {
        int start = pos;
        pos = lf + 1;
        boolean crlf = lf > start && buf[lf - 1] == '\r';
        int end = crlf ? lf - 1 : lf;
        if (!crlf) return LineKind.BARE_NEWLINE;
        boolean ascii = true;
        for (int i = start; i < end; i++) {
            byte b = buf[i];
            if (b == '\r') return LineKind.BARE_NEWLINE;
            if (b < 0) ascii = false;
        }
        if (end - start > max) return LineKind.TOO_LONG;
        line = new String(buf, start, end - start, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        shrink();
        return LineKind.LINE;
    }

    private LineKind skipLongLine() throws IOException {
        while (true) {
            for (int i = pos; i < lim; i++) {
                if (buf[i] == '\n') {
                    pos = i + 1;
                    shrink();
                    return LineKind.TOO_LONG;
                }
            }
            pos = 0;
            lim = 0;
            if (fill() < 0) return LineKind.EOF;
        }
    }

    /** Feeds DATA to the decoder until the end-of-data line; false on EOF. */
    boolean readData(DotDecoder decoder) throws IOException {
        grow(LARGE);
        while (!decoder.done()) {
            if (pos == lim) {
                pos = 0;
                lim = 0;
                if (fill() < 0) return false;
            }
            pos += decoder.feed(buf, pos, lim - pos);
        }
        shrink();
        return true;
    }

    interface ChunkConsumer {
        int take(byte[] b, int off, int len);
    }

    /** Hands exactly {@code remaining} bytes to the consumer; false on EOF. */
    boolean readChunk(long remaining, ChunkConsumer consumer) throws IOException {
        if (remaining > SMALL) grow(LARGE);
        while (remaining > 0) {
            if (pos == lim) {
                pos = 0;
                lim = 0;
                if (fill() < 0) return false;
            }
            int n = consumer.take(buf, pos, (int) Math.min(lim - pos, remaining));
            pos += n;
            remaining -= n;
        }
        shrink();
        return true;
    }

    private int compact() {
        int shift = pos;
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            lim -= pos;
            pos = 0;
        }
        return shift;
    }

    /** A larger buffer holding what is buffered now (from pos), unless this one is that large already. */
    private void grow(int size) {
        if (buf.length >= size) return;
        byte[] bigger = new byte[size];
        System.arraycopy(buf, pos, bigger, 0, lim - pos);
        lim -= pos;
        pos = 0;
        buf = bigger;
    }

    /** Back to a small buffer once what is left fits in one: the large one is garbage as the session idles. */
    private void shrink() {
        if (buf.length == SMALL || lim - pos > SMALL) return;
        byte[] small = new byte[SMALL];
        System.arraycopy(buf, pos, small, 0, lim - pos);
        lim -= pos;
        pos = 0;
        buf = small;
    }

    private int fill() throws IOException {
        if (lim == buf.length) compact();
        // A line longer than the buffer (a SASL response may take 12 KiB): readLine bounds it, so this stays bounded.
        if (lim == buf.length) grow(Math.min(LARGE, buf.length * 2));
        // Let the other sessions on this carrier run first: by the time we are back the client's next
        // command has often arrived, and the read takes it without parking (an EAGAIN read, a poller
        // registration and a wake-up saved). Measured: about 7% less CPU per message under bench/accept.
        if (Thread.currentThread().isVirtual()) Thread.yield();
        int n = in.read(buf, lim, buf.length - lim);
        if (n > 0) lim += n;
        return n;
    }
}
