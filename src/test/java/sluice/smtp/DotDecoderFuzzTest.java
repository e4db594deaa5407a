package sluice.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * The DATA and BDAT readers on arbitrary bytes. DotDecoder never throws, never consumes more than it was
 * given, gives the same verdict however the input is split, stops only after CRLF.CRLF, and undoes
 * DotEncoder exactly for data without bare CR or LF. ChunkChecker (BDAT) keeps every byte and finds a bare
 * CR/LF or an over-long line exactly when a plain reading of the whole input does, at any chunk split.
 * Corpus: src/test/resources/sluice/smtp/DotDecoderFuzzTestInputs/.
 */
class DotDecoderFuzzTest {
    record Outcome(byte[] data, int consumed, boolean done, boolean bare, boolean longLine) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome x && Arrays.equals(data, x.data) && consumed == x.consumed && done == x.done
                    && bare == x.bare && longLine == x.longLine;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Outcome[" + new String(data, java.nio.charset.StandardCharsets.ISO_8859_1) + ", consumed=" + consumed
                    + ", done=" + done + ", bare=" + bare + ", longLine=" + longLine + "]";
        }
    }

    static Outcome decode(byte[] in, int split) {
        MessageBuffer buf = new MessageBuffer(1 << 20);
        DotDecoder d = new DotDecoder(buf);
        int first = d.feed(in, 0, split);
        assertThat(first).isBetween(0, split);
        int consumed = first;
        if (!d.done() && split < in.length) {
            int second = d.feed(in, split, in.length - split);
            assertThat(second).isBetween(0, in.length - split);
            consumed += second;
        }
        if (!d.done()) assertThat(consumed).as("only the end of data stops the reader early").isEqualTo(in.length);
        return new Outcome(Arrays.copyOf(buf.array(), buf.length()), consumed, d.done(), d.bareNewline(), d.lineTooLong());
    }

    @FuzzTest(maxDuration = "10s")
    void anySplitGivesTheSameOutcome(FuzzedDataProvider data) {
        int split = data.consumeInt(0, 1 << 16);
        byte[] in = data.consumeRemainingAsBytes();
        split = Math.min(split, in.length);
        Outcome whole = decode(in, in.length);
        assertThat(decode(in, split)).as("split at %d", split).isEqualTo(whole);
        if (whole.done()) {
            byte[] eod = Arrays.copyOfRange(in, 0, whole.consumed());
            assertThat(endsWithEndOfData(eod)).as("stops only after CRLF.CRLF").isTrue();
        }
        // (an unfinished message may end in a CR whose LF has not come yet)
        if (whole.done() && !whole.bare()) assertThat(hasBareNewline(whole.data())).as("no bare CR/LF in the output").isFalse();
    }

    @FuzzTest(maxDuration = "10s")
    void undoesDotEncoder(byte[] message) throws IOException {
        byte[] clean = withoutBareNewlines(message);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        DotEncoder.write(clean, wire);
        Outcome o = decode(wire.toByteArray(), wire.size());
        assertThat(o.done()).isTrue();
        assertThat(o.consumed()).isEqualTo(wire.size());
        assertThat(o.bare()).isFalse();
        byte[] expected = clean.length == 0 || endsWithCrlf(clean) ? clean : concat(clean, new byte[] {'\r', '\n'});
        assertThat(o.data()).isEqualTo(expected);
    }

    @FuzzTest(maxDuration = "10s")
    void bdatChunksAreCheckedLikeOneWholeMessage(FuzzedDataProvider data) {
        int split = data.consumeInt(0, 1 << 16);
        byte[] in = data.consumeRemainingAsBytes();
        split = Math.min(split, in.length);
        MessageBuffer buf = new MessageBuffer(1 << 20);
        ChunkChecker checker = new ChunkChecker(buf);
        checker.feed(in, 0, split);
        checker.feed(in, split, in.length - split);
        checker.finish();
        assertThat(Arrays.copyOf(buf.array(), buf.length())).isEqualTo(in);
        assertThat(checker.bareNewline()).as("bare CR/LF").isEqualTo(hasBareNewline(in));
        assertThat(checker.lineTooLong()).as("line over 998 octets").isEqualTo(longestLine(in) > DotDecoder.MAX_LINE);
    }

    /** The longest line in octets, without its CRLF; a bare CR or LF counts as an octet of the line. */
    private static int longestLine(byte[] b) {
        int longest = 0, length = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\r' && i + 1 < b.length && b[i + 1] == '\n') {
                longest = Math.max(longest, length);
                length = 0;
                i++;
            } else {
                length++;
            }
        }
        return Math.max(longest, length);
    }

    private static boolean endsWithEndOfData(byte[] b) {
        int n = b.length;
        boolean dotCrlf = n >= 3 && b[n - 3] == '.' && b[n - 2] == '\r' && b[n - 1] == '\n';
        return dotCrlf && (n == 3 || (b[n - 5] == '\r' && b[n - 4] == '\n'));
    }

    private static boolean endsWithCrlf(byte[] b) {
        return b.length >= 2 && b[b.length - 2] == '\r' && b[b.length - 1] == '\n';
    }

    static boolean hasBareNewline(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\r' && (i + 1 == b.length || b[i + 1] != '\n')) return true;
            if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r')) return true;
        }
        return false;
    }

    /** Every CR and LF becomes CRLF, so the data is what an SMTP client may send. */
    private static byte[] withoutBareNewlines(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 16);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '\r' && i + 1 < in.length && in[i + 1] == '\n') {
                out.write('\r');
                out.write('\n');
                i++;
            } else if (in[i] == '\r' || in[i] == '\n') {
                out.write('\r');
                out.write('\n');
            } else {
                out.write(in[i]);
            }
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
