package sluice.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;

/** The HAProxy PROXY protocol header (v1 text or v2 binary) that a load balancer sends first. */
public record ProxyHeader(InetSocketAddress source, InetSocketAddress destination) {

    /**
     * Reads exactly one header from {@code in} and nothing more.
     *
     * @return the header; source null for "PROXY UNKNOWN" / v2 LOCAL (use the socket's own peer)
     * @throws IOException when the header is malformed or missing
     */
    public static ProxyHeader read(InputStream in) throws IOException {
        throw new IllegalStateException("proxy: stub");
    }
}
