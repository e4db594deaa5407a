package sluice.smtp;

/**
 * Copies BDAT chunks (RFC 3030) into the message buffer, checking across chunk boundaries the same
 * line rules as DATA: CRLF line ends only, at most 1000 octets per line.
 */
final class ChunkChecker {
    private final MessageBuffer out;
    private boolean pendingCr;
    private int lineLength;
    private boolean bareNewline;
    private boolean lineTooLong;

    ChunkChecker(MessageBuffer out) {
        this.out = out;
    }

    void reset() {
        pendingCr = false;
        lineLength = 0;
        bareNewline = false;
        lineTooLong = false;
    }

    void feed(byte[] b, int off, int len) {
        out.append(b, off, len);
        for (int i = off, end = off + len; i < end; i++) {
            byte c = b[i];
            if (pendingCr) {
                pendingCr = false;
                if (c == '\n') {
                    if (lineLength > DotDecoder.MAX_LINE) lineTooLong = true;
                    lineLength = 0;
                    continue;
                }
                bareNewline = true;
                lineLength++;
            }
            if (c == '\r') {
                pendingCr = true;
            } else {
                if (c == '\n') bareNewline = true;
                lineLength++;
            }
        }
    }

    /** Called after the LAST chunk: a trailing CR without LF is bare too. */
    void finish() {
        if (pendingCr) {
            bareNewline = true;
            lineLength++; // the lone CR is an octet of the last line, as a bare CR anywhere else is
        }
        if (lineLength > DotDecoder.MAX_LINE) lineTooLong = true;
    }

    boolean bareNewline() {
        return bareNewline;
    }

    boolean lineTooLong() {
        return lineTooLong;
    }
}
