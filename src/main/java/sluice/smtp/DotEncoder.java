package sluice.smtp;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes message data for DATA: a '.' at the start of a line gets another '.', and the data ends with
 * CRLF.CRLF (a CRLF is added first when the data does not end with one).
 */
public final class DotEncoder {
    private static final byte[] END = {'.', '\r', '\n'};
    private static final byte[] CRLF_END = {'\r', '\n', '.', '\r', '\n'};

    private DotEncoder() {}

    public static void write(byte[] data, OutputStream out) throws IOException {
        int from = 0;
        boolean lineStart = true;
        for (int i = 0; i < data.length; i++) {
            if (lineStart && data[i] == '.') {
                out.write(data, from, i - from);
                out.write('.');
                from = i; // the original dot follows
            }
            lineStart = data[i] == '\n';
        }
        out.write(data, from, data.length - from);
        boolean endsWithCrlf = data.length >= 2 && data[data.length - 2] == '\r' && data[data.length - 1] == '\n';
        out.write(endsWithCrlf || data.length == 0 ? END : CRLF_END);
    }
}
