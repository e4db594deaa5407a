package sluice.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The DATA reader, fed whole and split at every byte position. */
class DotDecoderTest {
    record Outcome(String data, int consumed, boolean done, boolean bare, boolean longLine) {}

    /** Feeds {@code input} in two parts split at {@code split}; stops at the end of data like the server. */
    static Outcome decode(String input, int split) {
        byte[] in = input.getBytes(StandardCharsets.ISO_8859_1);
        MessageBuffer buf = new MessageBuffer(1 << 20);
        DotDecoder d = new DotDecoder(buf);
        int consumed = d.feed(in, 0, Math.min(split, in.length));
        if (!d.done() && split < in.length) consumed += d.feed(in, split, in.length - split);
        return new Outcome(new String(buf.array(), 0, buf.length(), StandardCharsets.ISO_8859_1), consumed, d.done(),
                d.bareNewline(), d.lineTooLong());
    }

    static void assertSameAtEverySplit(String input, Outcome expected) {
        for (int split = 0; split <= input.length(); split++) {
            assertThat(decode(input, split)).as("split at %d", split).isEqualTo(expected);
        }
    }

    @Test
    void endOfDataAndUnstuffing() {
        String in = "Subject: x\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n";
        assertSameAtEverySplit(in, new Outcome("Subject: x\r\n\r\n.leading dot\r\n", in.indexOf("QUIT"), true, false, false));
    }

    @Test
    void emptyMessage() {
        assertSameAtEverySplit(".\r\n", new Outcome("", 3, true, false, false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\r.\r", "\n.\r\n", "\r.\n", "\r\n.\n", "\r\n.\r", "\n.\r"})
    void smugglingVariantsDoNotEndTheMessage(String fake) {
        String in = "body" + fake + "MAIL FROM:<evil@x.test>\r\nDATA\r\nsmuggled\r\n.\r\nNOOP\r\n";
        for (int split = 0; split <= in.length(); split++) {
            Outcome o = decode(in, split);
            assertThat(o.done()).isTrue();
            assertThat(o.bare()).as("split %d", split).isTrue();
            assertThat(o.consumed()).as("ends only at the real CRLF.CRLF").isEqualTo(in.indexOf("NOOP"));
        }
    }

    @Test
    void lineOver1000OctetsIsFlagged() {
        assertThat(decode("x".repeat(998) + "\r\n.\r\n", 500).longLine()).isFalse();
        assertThat(decode("x".repeat(999) + "\r\n.\r\n", 500).longLine()).isTrue();
    }

    @Test
    void sizeLimitOverflowIsRemembered() {
        MessageBuffer buf = new MessageBuffer(10);
        DotDecoder d = new DotDecoder(buf);
        byte[] in = "0123456789abcdef\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);
        d.feed(in, 0, in.length);
        assertThat(d.done()).isTrue();
        assertThat(buf.overflowed()).isTrue();
        assertThat(buf.length()).isLessThanOrEqualTo(10);
    }

    /** The scan reads 8 bytes at a time: a CR, LF or bare one must be found at every offset within a word. */
    @Test
    void lineEndsAtEveryAlignment() {
        for (int p = 0; p <= 40; p++) {
            String x = "x".repeat(p), w = "w".repeat(p);
            String clean = x + "\r\n.." + w + "\r\n" + "z".repeat(p % 9) + "\r\n.\r\nQUIT\r\n";
            assertSameAtEverySplit(clean, new Outcome(x + "\r\n." + w + "\r\n" + "z".repeat(p % 9) + "\r\n",
                    clean.indexOf("QUIT"), true, false, false));
            for (String bare : new String[] {"\r", "\n"}) {
                String in = x + bare + "y".repeat(20) + "\r\n.\r\nQUIT\r\n";
                assertSameAtEverySplit(in, new Outcome(x + bare + "y".repeat(20) + "\r\n", in.indexOf("QUIT"), true,
                        true, false));
            }
        }
    }

    /** lineEnd against the byte-at-a-time loop, on bytes close to CR and LF (0x0C, 0x0E, 0x8D, 0x8A, 0x01, 0x00). */
    @Test
    void lineEndFindsTheFirstCrOrLf() {
        byte[] alphabet = {'a', '.', ' ', 0x0C, 0x0E, (byte) 0x8D, (byte) 0x8A, 0x01, 0x00, (byte) 0xFF, '\r', '\n'};
        Random random = new Random(15);
        for (int round = 0; round < 20_000; round++) {
            byte[] b = new byte[random.nextInt(40)];
            int crlfOdds = 1 + random.nextInt(30); // from dense to rare line ends
            for (int i = 0; i < b.length; i++) {
                b[i] = alphabet[random.nextInt(crlfOdds) == 0 ? 10 + random.nextInt(2) : random.nextInt(10)];
            }
            int from = b.length == 0 ? 0 : random.nextInt(b.length + 1);
            int end = from + random.nextInt(b.length - from + 1);
            int expected = from;
            while (expected < end && b[expected] != '\r' && b[expected] != '\n') expected++;
            assertThat(DotDecoder.lineEnd(b, from, end)).as("round %d", round).isEqualTo(expected);
        }
    }
}
