package sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sluice.server.SessionInput.LineKind;
import sluice.smtp.DotDecoder;
import sluice.smtp.MessageBuffer;

/**
 * The session buffer starts small, is large only while a body or a long line comes in, and is small again after:
 * every case is read with the input arriving in pieces of several sizes (one byte at a time up to all at once).
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a spinning read loop fails, not hangs
class SessionInputTest {

    /** Hands out its bytes at most {@code piece} at a time and notes the largest read asked of it. */
    static final class Trickle extends InputStream {
        private final byte[] data;
        private final int piece;
        private int pos;
        int largestAsk;

        Trickle(byte[] data, int piece) {
            this.data = data;
            this.piece = piece;
        }

        Trickle(String data, int piece) {
            this(data.getBytes(StandardCharsets.ISO_8859_1), piece);
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            largestAsk = Math.max(largestAsk, len);
            if (pos == data.length) return -1;
            int n = Math.min(Math.min(len, piece), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    private static String line(SessionInput in, int max) throws IOException {
        LineKind kind = in.readLine(max);
        return kind == LineKind.LINE ? in.line() : kind.name();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 512, 4096, 1 << 20})
    void anIdleSessionKeepsASmallBuffer(int piece) throws IOException {
        SessionInput in = new SessionInput(new Trickle("EHLO client.test\r\nNOOP\r\n", piece));
        assertThat(in.capacity()).isEqualTo(SessionInput.SMALL);
        assertThat(line(in, 512)).isEqualTo("EHLO client.test");
        assertThat(line(in, 512)).isEqualTo("NOOP");
        assertThat(in.capacity()).isEqualTo(SessionInput.SMALL);
        assertThat(in.readLine(512)).isEqualTo(LineKind.EOF);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 512, 4096, 1 << 20})
    void aLongDataIsReadInLargeReadsAndTheBufferShrinksAfter(int piece) throws IOException {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 3000; i++) body.append(i % 10 == 0 ? ".dot-stuffed line " : "line ").append(i).append("\r\n");
        String wire = "DATA\r\n" + body + ".\r\nQUIT\r\n";
        Trickle t = new Trickle(wire, piece);
        SessionInput in = new SessionInput(t);
        assertThat(line(in, 512)).isEqualTo("DATA");
        MessageBuffer out = new MessageBuffer(1 << 20);
        assertThat(in.readData(new DotDecoder(out))).isTrue();

        String expected = body.toString().replace("\r\n.dot", "\r\n" + "dot").replaceFirst("^\\.dot", "dot");
        assertThat(new String(out.array(), 0, out.length(), StandardCharsets.ISO_8859_1)).isEqualTo(expected);
        if (piece >= SessionInput.LARGE) assertThat(t.largestAsk).isEqualTo(SessionInput.LARGE);
        assertThat(in.capacity()).isEqualTo(SessionInput.SMALL);
        assertThat(line(in, 512)).isEqualTo("QUIT"); // pipelined behind the body: kept through the shrink
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 512, 4096, 1 << 20})
    void aLongSaslLineGrowsTheBufferWithinItsBoundAndATooLongOneIsSkipped(int piece) throws IOException {
        String sasl = "A".repeat(12000);
        String tooLong = "B".repeat(13000);
        String wire = sasl + "\r\n" + tooLong + "\r\n" + "C".repeat(600) + "\r\nNOOP\r\n";
        SessionInput in = new SessionInput(new Trickle(wire, piece));
        assertThat(line(in, 12288)).isEqualTo(sasl);
        assertThat(line(in, 12288)).isEqualTo("TOO_LONG");
        assertThat(line(in, 512)).isEqualTo("TOO_LONG"); // a command line is bounded at 512 whatever the buffer
        assertThat(line(in, 512)).isEqualTo("NOOP");
        assertThat(in.capacity()).isEqualTo(SessionInput.SMALL);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 512, 4096, 1 << 20})
    void aPipelinedBurstLargerThanTheSmallBufferComesOutWholeAndInOrder(int piece) throws IOException {
        List<String> commands = new ArrayList<>();
        commands.add("MAIL FROM:<a@x.test>");
        for (int i = 0; i < 200; i++) commands.add("RCPT TO:<recipient-number-" + i + "@y.test>");
        commands.add("DATA");
        SessionInput in = new SessionInput(new Trickle(String.join("\r\n", commands) + "\r\n", piece));
        List<String> read = new ArrayList<>();
        for (int i = 0; i < commands.size(); i++) read.add(line(in, 512));
        assertThat(read).isEqualTo(commands);
        assertThat(in.readLine(512)).isEqualTo(LineKind.EOF);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 512, 4096, 1 << 20})
    void bdatTakesLargeReadsOnlyForALargeChunk(int piece) throws IOException {
        byte[] big = new byte[100_000];
        for (int i = 0; i < big.length; i++) big[i] = (byte) ('a' + i % 26);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes("BDAT 100000\r\n".getBytes(StandardCharsets.ISO_8859_1));
        wire.writeBytes(big);
        wire.writeBytes("BDAT 5 LAST\r\nhelloQUIT\r\n".getBytes(StandardCharsets.ISO_8859_1));
        SessionInput in = new SessionInput(new Trickle(wire.toByteArray(), piece));

        assertThat(line(in, 512)).isEqualTo("BDAT 100000");
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        List<Integer> buffers = new ArrayList<>();
        assertThat(in.readChunk(big.length, (b, off, len) -> {
            buffers.add(b.length);
            got.write(b, off, len);
            return len;
        })).isTrue();
        assertThat(got.toByteArray()).isEqualTo(big);
        assertThat(buffers).containsOnly(SessionInput.LARGE);
        assertThat(in.capacity()).isEqualTo(SessionInput.SMALL);

        assertThat(line(in, 512)).isEqualTo("BDAT 5 LAST");
        ByteArrayOutputStream small = new ByteArrayOutputStream();
        buffers.clear();
        assertThat(in.readChunk(5, (b, off, len) -> {
            buffers.add(b.length);
            small.write(b, off, len);
            return len;
        })).isTrue();
        assertThat(small.toString(StandardCharsets.ISO_8859_1)).isEqualTo("hello");
        assertThat(buffers).containsOnly(SessionInput.SMALL);
        assertThat(line(in, 512)).isEqualTo("QUIT");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 512, 4096, 1 << 20})
    void starttlsDropsPlaintextPipelinedAfterItAndReadsTheNewStream(int piece) throws IOException {
        SessionInput in = new SessionInput(new Trickle("STARTTLS\r\nMAIL FROM:<injected@x.test>\r\n", piece));
        assertThat(line(in, 512)).isEqualTo("STARTTLS");
        in.switchTo(new Trickle("EHLO after.test\r\n", piece));
        assertThat(in.buffered()).isZero();
        assertThat(in.capacity()).isEqualTo(SessionInput.SMALL);
        assertThat(line(in, 512)).isEqualTo("EHLO after.test");
        assertThat(in.readLine(512)).isEqualTo(LineKind.EOF);
    }
}
