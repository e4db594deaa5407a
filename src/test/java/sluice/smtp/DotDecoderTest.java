package sluice.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
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
}
