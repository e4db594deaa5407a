package sluice.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReplyReaderTest {

    /** Delivers the input in two reads split at {@code split}, like TCP segments. */
    private static InputStream split(String text, int split) {
        byte[] all = text.getBytes(StandardCharsets.UTF_8);
        return new InputStream() {
            int pos;

            @Override
            public int read() {
                return pos < all.length ? all[pos++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= all.length) return -1;
                int stop = pos < split ? Math.min(split, all.length) : all.length;
                int n = Math.min(len, stop - pos);
                System.arraycopy(all, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "250 OK|250|null|OK",
            "250 2.1.5 Recipient OK|250|2.1.5|Recipient OK",
            "550 5.1.1 <x@y>: no such user|550|5.1.1|<x@y>: no such user",
            "451 4.3.0|451|4.3.0|''",
            "250 5.1.1 class mismatch is text|250|null|5.1.1 class mismatch is text",
            "220|220|null|''",
            "421 4.4.2 bye|421|4.4.2|bye"})
    void parsesSingleLineReplies(String line, int code, String status, String text) throws IOException {
        String wire = line + "\r\n";
        for (int cut = 0; cut <= wire.length(); cut++) {
            Reply r = new ReplyReader(split(wire, cut)).read();
            assertThat(r.code()).isEqualTo(code);
            assertThat(String.valueOf(r.status())).isEqualTo(status);
            assertThat(r.lines()).containsExactly(text);
            assertThat(r.close()).isEqualTo(code == 421);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"\r\n", "\n"})
    void readsMultiLineRepliesSplitAnywhere(String eol) throws IOException {
        String wire = String.join(eol, "250-mx.test hello", "250-PIPELINING", "250-SIZE 1000", "250 STARTTLS", "")
                + "354 go" + eol;
        for (int cut = 0; cut <= wire.length(); cut++) {
            ReplyReader reader = new ReplyReader(split(wire, cut));
            Reply ehlo = reader.read();
            assertThat(ehlo.lines()).containsExactly("mx.test hello", "PIPELINING", "SIZE 1000", "STARTTLS");
            assertThat(Capabilities.parse(ehlo).maxSize()).isEqualTo(1000);
            assertThat(reader.read().code()).isEqualTo(354);
            assertThat(reader.buffered()).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello\r\n", "25\r\n", "250x\r\n", "600 no\r\n", "099 no\r\n", "250-a\r\n251 b\r\n"})
    void rejectsMalformedReplies(String wire) {
        assertThatThrownBy(() -> new ReplyReader(split(wire, 1)).read())
                .isInstanceOf(ReplyReader.MalformedReplyException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "250-more\r\n", "250 no end"})
    void endOfStreamInsideAReplyIsEof(String wire) {
        assertThatThrownBy(() -> new ReplyReader(split(wire, 0)).read()).isInstanceOf(EOFException.class);
    }

    @ParameterizedTest(name = "{0} octets")
    @ValueSource(ints = {ReplyReader.MAX_LINE, ReplyReader.MAX_LINE + 1, 50_000})
    void boundsLineLength(int length) {
        String wire = "250 " + "x".repeat(length - 4) + "\r\n";
        if (length <= ReplyReader.MAX_LINE) {
            assertThat(catching(() -> new ReplyReader(split(wire, 7)).read())).isNull();
        } else {
            assertThatThrownBy(() -> new ReplyReader(split(wire, 7)).read())
                    .isInstanceOf(ReplyReader.MalformedReplyException.class).hasMessageContaining("octets");
        }
    }

    @ParameterizedTest(name = "{0} lines")
    @ValueSource(ints = {ReplyReader.MAX_LINES, ReplyReader.MAX_LINES + 1})
    void boundsLineCount(int lines) {
        String wire = "250-x\r\n".repeat(lines - 1) + "250 end\r\n";
        if (lines <= ReplyReader.MAX_LINES) {
            assertThat(catching(() -> new ReplyReader(split(wire, 3)).read())).isNull();
        } else {
            assertThatThrownBy(() -> new ReplyReader(split(wire, 3)).read()).hasMessageContaining("lines");
        }
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {
            "''|.~",
            "a~|a~.~",
            "a|a~.~",
            ".~|..~.~",
            "x~.y~..z~|x~..y~...z~.~",
            ".|..~.~",
            "a~.|a~..~.~"})
    void dotStuffsAndTerminates(String data, String wire) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // '~' stands for CRLF in the table
        DotEncoder.write(data.replace("~", "\r\n").getBytes(StandardCharsets.US_ASCII), out);
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo(wire.replace("~", "\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "AUTH PLAIN LOGIN|PLAIN,LOGIN",
            "AUTH=LOGIN|LOGIN",
            "auth cram-md5 plain|CRAM-MD5,PLAIN"})
    void parsesAuthMechanisms(String line, String mechanisms) {
        Reply ehlo = new Reply(250, null, List.of("mx.test", line), false);
        assertThat(Capabilities.parse(ehlo).authMechanisms()).containsExactly(mechanisms.split(","));
    }

    private interface Io {
        Object run() throws IOException;
    }

    private static Throwable catching(Io io) {
        try {
            io.run();
            return null;
        } catch (IOException e) {
            return e;
        }
    }
}
