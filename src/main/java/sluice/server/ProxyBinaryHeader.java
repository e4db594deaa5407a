package sluice.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;

/** PROXY protocol version 2: a 16-byte fixed part, then exactly {@code len} bytes of addresses and TLVs. */
final class ProxyBinaryHeader {
    static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private static final int FIXED_LENGTH = 16;
    private static final int COMMAND_LOCAL = 0x0;
    private static final int COMMAND_PROXY = 0x1;
    private static final int FAMILY_UNSPEC = 0x0;
    private static final int FAMILY_INET = 0x1;
    private static final int FAMILY_INET6 = 0x2;
    private static final int FAMILY_UNIX = 0x3;
    private static final int TRANSPORT_STREAM = 0x1;
    private static final int TRANSPORT_DGRAM = 0x2;

    private ProxyBinaryHeader() {}

    /** Parses the rest of a v2 header whose first byte (CR) was already consumed. */
    static ProxyHeader readAfterFirstByte(InputStream in) throws IOException {
        byte[] fixed = new byte[FIXED_LENGTH];
        fixed[0] = SIGNATURE[0];
        readFully(in, fixed, 1, SIGNATURE.length - 1);
        if (!Arrays.equals(fixed, 0, SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)) {
            throw malformed("bad signature");
        }
        readFully(in, fixed, SIGNATURE.length, FIXED_LENGTH - SIGNATURE.length);
        int version = (fixed[12] & 0xF0) >> 4;
        int command = fixed[12] & 0x0F;
        int family = (fixed[13] & 0xF0) >> 4;
        int transport = fixed[13] & 0x0F;
        int length = ((fixed[14] & 0xFF) << 8) | (fixed[15] & 0xFF);
        if (version != 2) throw malformed("unsupported version " + version);
        if (command != COMMAND_LOCAL && command != COMMAND_PROXY) throw malformed("unknown command " + command);
        if (family > FAMILY_UNIX) throw malformed("unknown address family " + family);
        if (transport > TRANSPORT_DGRAM) throw malformed("unknown transport " + transport);
        // Always consumed in full, so that the SMTP bytes after it start on a clean boundary.
        byte[] body = new byte[length];
        readFully(in, body, 0, length);
        if (command == COMMAND_LOCAL) return ProxyHeader.UNKNOWN; // the balancer's own health check
        return switch (family) {
            case FAMILY_INET -> addresses(body, 4, transport);
            case FAMILY_INET6 -> addresses(body, 16, transport);
            default -> ProxyHeader.UNKNOWN; // UNSPEC or a unix socket: no IP to report, use the connection's
        };
    }

    private static ProxyHeader addresses(byte[] body, int size, int transport) throws IOException {
        if (transport != TRANSPORT_STREAM) throw malformed("transport " + transport + " is not STREAM (TCP)");
        int needed = 2 * size + 4;
        if (body.length < needed) {
            throw malformed("address block is " + body.length + " bytes, needs " + needed);
        }
        InetAddress source = InetAddress.getByAddress(Arrays.copyOfRange(body, 0, size));
        InetAddress destination = InetAddress.getByAddress(Arrays.copyOfRange(body, size, 2 * size));
        int sourcePort = ((body[2 * size] & 0xFF) << 8) | (body[2 * size + 1] & 0xFF);
        int destinationPort = ((body[2 * size + 2] & 0xFF) << 8) | (body[2 * size + 3] & 0xFF);
        return new ProxyHeader(new InetSocketAddress(source, sourcePort),
                new InetSocketAddress(destination, destinationPort));
    }

    private static void readFully(InputStream in, byte[] buffer, int offset, int length) throws IOException {
        int read = in.readNBytes(buffer, offset, length);
        if (read < length) throw malformed("truncated, connection closed inside the header");
    }

    private static IOException malformed(String why) {
        return new IOException("malformed PROXY v2 header: " + why);
    }
}
