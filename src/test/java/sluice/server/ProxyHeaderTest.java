package sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProxyHeaderTest {

    /** Every case runs against a whole buffer and against a stream that returns one byte per read. */
    static Stream<Function<byte[], InputStream>> streams() {
        return Stream.of(ByteArrayInputStream::new, Trickle::new);
    }

    static Stream<Arguments> valid() {
        return Stream.of(
                v1("PROXY TCP4 192.0.2.1 198.51.100.2 56324 25\r\n", "192.0.2.1", 56324, "198.51.100.2", 25),
                v1("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n", "0.0.0.0", 0, "255.255.255.255", 65535),
                v1("PROXY TCP6 2001:db8::1 2001:db8::2 4000 587\r\n", "2001:db8:0:0:0:0:0:1", 4000,
                        "2001:db8:0:0:0:0:0:2", 587),
                v1("PROXY TCP6 :: 1:2:3:4:5:6:7:8 1 2\r\n", "0:0:0:0:0:0:0:0", 1, "1:2:3:4:5:6:7:8", 2),
                v1("PROXY TCP6 1:2:3:4:5:6:7:: ::1 1 2\r\n", "1:2:3:4:5:6:7:0", 1, "0:0:0:0:0:0:0:1", 2),
                v1("PROXY TCP6 64:ff9b::192.0.2.33 ::1 1 2\r\n", "64:ff9b:0:0:0:0:c000:221", 1, "0:0:0:0:0:0:0:1", 2),
                v1("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
                        + " 65535 65535\r\n", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
                        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535),
                Arguments.of("v1 UNKNOWN", ascii("PROXY UNKNOWN\r\n"), null),
                Arguments.of("v1 UNKNOWN with addresses", ascii("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"), null),
                Arguments.of("v1 UNKNOWN at 107 bytes", ascii("PROXY UNKNOWN " + "x".repeat(91) + "\r\n"), null),
                v2("PROXY TCP4", "21 11 000c" + "c0000201" + "c6336402" + "dc04" + "0019",
                        "192.0.2.1", 56324, "198.51.100.2", 25),
                v2("PROXY TCP4 with TLVs", "21 11 0015" + "c0000201" + "c6336402" + "dc04" + "0019"
                        + "01 0002 6832" + "04 0001 00", "192.0.2.1", 56324, "198.51.100.2", 25),
                v2("PROXY TCP6", "21 21 0024" + "20010db8000000000000000000000001"
                        + "20010db8000000000000000000000002" + "0fa0" + "024b",
                        "2001:db8:0:0:0:0:0:1", 4000, "2001:db8:0:0:0:0:0:2", 587),
                Arguments.of("v2 LOCAL", v2Bytes("20 00 0000"), null),
                Arguments.of("v2 LOCAL with body", v2Bytes("20 11 000c" + "00".repeat(12)), null),
                Arguments.of("v2 PROXY UNSPEC", v2Bytes("21 00 0000"), null),
                Arguments.of("v2 PROXY UNIX", v2Bytes("21 31 00d8" + "00".repeat(216)), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void readsValidHeadersAndNotOneByteMore(String name, byte[] header, ProxyHeader expected) throws IOException {
        streams().forEach(kind -> {
            InputStream in = kind.apply(concat(header, ascii("EHLO")));
            try {
                ProxyHeader read = ProxyHeader.read(in);
                if (expected == null) {
                    assertThat(read.source()).isNull();
                    assertThat(read.destination()).isNull();
                } else {
                    assertThat(read).isEqualTo(expected);
                }
                assertThat(in.read()).as("first byte after the header").isEqualTo('E');
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                bad("empty stream", ascii(""), "no PROXY header"),
                bad("SMTP client", ascii("EHLO x\r\n"), "no PROXY header"),
                bad("lowercase", ascii("proxy TCP4 1.2.3.4 1.2.3.4 1 2\r\n"), "no PROXY header"),
                bad("wrong prefix", ascii("PROXX TCP4 1.2.3.4 1.2.3.4 1 2\r\n"), "does not start with \"PROXY \""),
                bad("no space", ascii("PROXYTCP4\r\n"), "does not start"),
                bad("bare LF", ascii("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n"), "does not end with CRLF"),
                bad("truncated v1", ascii("PROXY TCP4 1.2.3.4 1.2"), "truncated"),
                bad("too long", ascii("PROXY UNKNOWN " + "x".repeat(92) + "\r\n"), "longer than 107 bytes"),
                bad("unknown protocol", ascii("PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n"), "unknown protocol \"UDP4\""),
                bad("missing port", ascii("PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n"), "fields"),
                bad("extra field", ascii("PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n"), "fields"),
                bad("double space", ascii("PROXY TCP4  1.2.3.4 1.2.3.4 1 2\r\n"), "fields"),
                bad("tab", ascii("PROXY TCP4 1.2.3.4\t1.2.3.4 1 2\r\n"), "control"),
                bad("port too big", ascii("PROXY TCP4 1.2.3.4 1.2.3.4 65536 25\r\n"), "bad port \"65536\""),
                bad("port leading zero", ascii("PROXY TCP4 1.2.3.4 1.2.3.4 1 025\r\n"), "bad port \"025\""),
                bad("negative port", ascii("PROXY TCP4 1.2.3.4 1.2.3.4 -1 25\r\n"), "bad port \"-1\""),
                bad("port junk", ascii("PROXY TCP4 1.2.3.4 1.2.3.4 1x 25\r\n"), "bad port"),
                bad("octet too big", ascii("PROXY TCP4 256.2.3.4 1.2.3.4 1 2\r\n"), "bad IPv4 address \"256.2.3.4\""),
                bad("three octets", ascii("PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n"), "bad IPv4"),
                bad("octal-looking", ascii("PROXY TCP4 01.2.3.4 1.2.3.4 1 2\r\n"), "bad IPv4"),
                bad("name not address", ascii("PROXY TCP4 localhost 1.2.3.4 1 2\r\n"), "bad IPv4"),
                bad("v6 under TCP4", ascii("PROXY TCP4 ::1 1.2.3.4 1 2\r\n"), "bad IPv4"),
                bad("v4 under TCP6", ascii("PROXY TCP6 1.2.3.4 ::1 1 2\r\n"), "bad IPv6 address \"1.2.3.4\""),
                bad("two gaps", ascii("PROXY TCP6 1::2::3 ::1 1 2\r\n"), "bad IPv6"),
                bad("nine groups", ascii("PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n"), "bad IPv6"),
                bad("seven groups", ascii("PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n"), "bad IPv6"),
                bad("long group", ascii("PROXY TCP6 12345::1 ::1 1 2\r\n"), "bad IPv6"),
                bad("zone id", ascii("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n"), "bad IPv6"),
                bad("non-ASCII", concat(ascii("PROXY TCP4 1.2.3.4 1.2.3."), new byte[] {(byte) 0xC3, '4', ' ', '1',
                        ' ', '2', '\r', '\n'}), "non-ASCII"),
                bad("v2 bad signature", HexFormat.of().parseHex("0d0a0d0a000d0a515549540b21110000"), "bad signature"),
                bad("v2 CR only", ascii("\r\nEHLO x\r\n"), "malformed PROXY v2 header"),
                bad("v2 truncated fixed part", v2Bytes("21"), "truncated"),
                bad("v2 truncated body", v2Bytes("21 11 000c c0000201"), "truncated"),
                bad("v2 version 1", v2Bytes("11 11 000c" + "00".repeat(12)), "unsupported version 1"),
                bad("v2 command 2", v2Bytes("22 11 000c" + "00".repeat(12)), "unknown command 2"),
                bad("v2 family 4", v2Bytes("21 41 0000"), "unknown address family 4"),
                bad("v2 transport 3", v2Bytes("21 13 0000"), "unknown transport 3"),
                bad("v2 UDP", v2Bytes("21 12 000c" + "00".repeat(12)), "not STREAM"),
                bad("v2 short TCP4 block", v2Bytes("21 11 0008" + "00".repeat(8)), "needs 12"),
                bad("v2 short TCP6 block", v2Bytes("21 21 000c" + "00".repeat(12)), "needs 36"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void rejectsBadHeaders(String name, byte[] input, String message) {
        streams().forEach(kind -> assertThatThrownBy(() -> ProxyHeader.read(kind.apply(input)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(message));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void errorMessagesAreOneLine(String name, byte[] input, String message) {
        assertThatThrownBy(() -> ProxyHeader.read(new ByteArrayInputStream(input)))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\r"));
    }

    private static Arguments v1(String line, String src, int sport, String dst, int dport) {
        return Arguments.of("v1 " + line.strip(), ascii(line), header(src, sport, dst, dport));
    }

    private static Arguments v2(String name, String hex, String src, int sport, String dst, int dport) {
        return Arguments.of("v2 " + name, v2Bytes(hex), header(src, sport, dst, dport));
    }

    private static Arguments bad(String name, byte[] input, String message) {
        return Arguments.of(name, input, message);
    }

    private static ProxyHeader header(String src, int sport, String dst, int dport) {
        return new ProxyHeader(address(src, sport), address(dst, dport));
    }

    /** Builds the expected address from the literal bytes, so the test itself never resolves anything. */
    private static InetSocketAddress address(String literal, int port) {
        byte[] bytes = literal.contains(":") ? ProxyTextHeader.ipv6(literal) : ProxyTextHeader.ipv4(literal);
        try {
            return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] v2Bytes(String hexAfterSignature) {
        return concat(ProxyBinaryHeader.SIGNATURE, HexFormat.of().parseHex(hexAfterSignature.replace(" ", "")));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }

    /** Returns at most one byte per read call: a header split at every possible byte. */
    private static final class Trickle extends InputStream {
        private final InputStream bytes;

        Trickle(byte[] bytes) {
            this.bytes = new ByteArrayInputStream(bytes);
        }

        @Override
        public int read() throws IOException {
            return bytes.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return bytes.read(b, off, Math.min(len, 1));
        }
    }
}
