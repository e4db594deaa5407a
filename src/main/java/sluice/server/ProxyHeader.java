package sluice.server;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;

/** The HAProxy PROXY protocol header (v1 text or v2 binary) that a load balancer sends first. */
public record ProxyHeader(InetSocketAddress source, InetSocketAddress destination) {

    /** The header of "PROXY UNKNOWN" and v2 LOCAL: no addresses, the connection speaks for itself. */
    static final ProxyHeader UNKNOWN = new ProxyHeader(null, null);

    /**
     * Reads exactly one header from {@code in} and nothing more.
     *
     * @return the header; source null for "PROXY UNKNOWN" / v2 LOCAL (use the socket's own peer)
     * @throws IOException when the header is malformed or missing
     */
    public static ProxyHeader read(InputStream in) throws IOException {
        // The first byte tells the versions apart: v1 starts "PROXY", the v2 signature starts with CR.
        int first = in.read();
        return switch (first) {
            case -1 -> throw new EOFException("no PROXY header: connection closed before any data");
            case 'P' -> ProxyTextHeader.readAfterFirstByte(in);
            case '\r' -> ProxyBinaryHeader.readAfterFirstByte(in);
            default -> throw new IOException("no PROXY header: connection starts with byte 0x%02x".formatted(first));
        };
    }
}
