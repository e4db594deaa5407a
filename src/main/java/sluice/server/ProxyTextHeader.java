package sluice.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * PROXY protocol version 1: one line such as {@code PROXY TCP4 192.0.2.1 198.51.100.2 56324 25\r\n}.
 * Read one byte at a time, because every byte after the line belongs to the SMTP session.
 */
final class ProxyTextHeader {
    /** The longest line the specification allows, CRLF included. */
    static final int MAX_LENGTH = 107;

    private static final String PREFIX = "PROXY ";

    private ProxyTextHeader() {}

    /** Parses the rest of a v1 header whose first byte ('P') was already consumed. */
    static ProxyHeader readAfterFirstByte(InputStream in) throws IOException {
        byte[] line = new byte[MAX_LENGTH];
        line[0] = 'P';
        int length = 1;
        while (true) {
            if (length == MAX_LENGTH) throw malformed("longer than " + MAX_LENGTH + " bytes without CRLF");
            int b = in.read();
            if (b == -1) throw malformed("truncated after " + length + " bytes, connection closed");
            line[length++] = (byte) b;
            // Give up at the first wrong byte of the prefix rather than swallowing a non-PROXY client's data.
            if (length <= PREFIX.length() && b != PREFIX.charAt(length - 1)) {
                throw malformed("does not start with \"PROXY \"");
            }
            if (b == '\n') break;
        }
        if (length < 2 || line[length - 2] != '\r') throw malformed("line does not end with CRLF");
        return parse(new String(line, 0, length - 2, StandardCharsets.US_ASCII));
    }

    /** Parses the line without its CRLF. */
    static ProxyHeader parse(String text) throws IOException {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7E) throw malformed("control or non-ASCII byte 0x%02x".formatted((int) c));
        }
        String[] fields = text.split(" ", -1);
        if (fields.length < 2) throw malformed("no protocol");
        String protocol = fields[1];
        if (protocol.equals("UNKNOWN")) return ProxyHeader.UNKNOWN; // the rest of the line is to be ignored
        if (!protocol.equals("TCP4") && !protocol.equals("TCP6")) {
            throw malformed("unknown protocol \"" + protocol + "\"");
        }
        if (fields.length != 6) {
            throw malformed("expected \"PROXY " + protocol + " source destination sport dport\", got "
                    + (fields.length - 2) + " fields after the protocol");
        }
        boolean v6 = protocol.equals("TCP6");
        InetAddress source = address(fields[2], v6);
        InetAddress destination = address(fields[3], v6);
        return new ProxyHeader(new InetSocketAddress(source, port(fields[4])),
                new InetSocketAddress(destination, port(fields[5])));
    }

    private static InetAddress address(String text, boolean v6) throws IOException {
        byte[] bytes = v6 ? ipv6(text) : ipv4(text);
        if (bytes == null) throw malformed("bad " + (v6 ? "IPv6" : "IPv4") + " address \"" + text + "\"");
        return InetAddress.getByAddress(bytes); // from bytes: never a DNS lookup
    }

    /** Decimal 0-65535, no sign, no leading zeros. */
    private static int port(String text) throws IOException {
        boolean digits = !text.isEmpty() && text.length() <= 5 && text.chars().allMatch(c -> c >= '0' && c <= '9');
        if (!digits || (text.length() > 1 && text.charAt(0) == '0') || Integer.parseInt(text) > 0xFFFF) {
            throw malformed("bad port \"" + text + "\"");
        }
        return Integer.parseInt(text);
    }

    /** Dotted quad as inet_pton accepts it: four decimal octets, no leading zeros (they would read as octal). */
    static byte[] ipv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) return null;
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) return null;
            if (p.length() > 1 && p.charAt(0) == '0') return null;
            int value = Integer.parseInt(p);
            if (value > 255) return null;
            out[i] = (byte) value;
        }
        return out;
    }

    /** RFC 4291 text form: eight hex groups, at most one "::", optionally a dotted quad as the last 32 bits. */
    static byte[] ipv6(String text) {
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) return null;
        int[] head = groups(gap >= 0 ? text.substring(0, gap) : text, gap < 0);
        int[] tail = gap >= 0 ? groups(text.substring(gap + 2), true) : new int[0];
        if (head == null || tail == null) return null;
        int total = head.length + tail.length;
        if (gap < 0 ? total != 8 : total > 7) return null;
        byte[] out = new byte[16];
        for (int i = 0; i < head.length; i++) put(out, i, head[i]);
        for (int i = 0; i < tail.length; i++) put(out, 8 - tail.length + i, tail[i]);
        return out;
    }

    /** The 16-bit groups of one side of "::"; only the last side may end in a dotted quad. */
    private static int[] groups(String side, boolean last) {
        if (side.isEmpty()) return new int[0];
        String[] parts = side.split(":", -1);
        int[] out = new int[parts.length + 1];
        int n = 0;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (last && i == parts.length - 1 && p.indexOf('.') >= 0) {
                byte[] v4 = ipv4(p);
                if (v4 == null) return null;
                out[n++] = ((v4[0] & 0xFF) << 8) | (v4[1] & 0xFF);
                out[n++] = ((v4[2] & 0xFF) << 8) | (v4[3] & 0xFF);
                continue;
            }
            if (p.isEmpty() || p.length() > 4 || !p.chars().allMatch(c -> Character.digit(c, 16) >= 0)) return null;
            out[n++] = Integer.parseInt(p, 16);
        }
        return Arrays.copyOf(out, n);
    }

    private static void put(byte[] out, int group, int value) {
        out[2 * group] = (byte) (value >> 8);
        out[2 * group + 1] = (byte) value;
    }

    private static IOException malformed(String why) {
        return new IOException("malformed PROXY v1 header: " + why);
    }
}
