package sluice.delivery;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import sluice.smtp.DotEncoder;
import sluice.smtp.Reply;
import sluice.smtp.ReplyReader;

/** One connection's byte streams: commands out, replies in, every step bounded in time. */
final class Wire implements AutoCloseable {
    private static final int BUFFER = 64 * 1024;
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final Socket tcp;
    private final ClientDeadlines.Guard guard;
    private Socket socket;
    private ReplyReader reader;
    private WriteDeadline deadline;
    private OutputStream out;
    private SSLSession tlsSession;

    private Wire(Socket tcp) throws IOException {
        this.tcp = tcp;
        this.guard = ClientDeadlines.guard(tcp);
        attach(tcp);
    }

    /** Connects; exceptions are the socket's own (ConnectException, SocketTimeoutException, ...). */
    static Wire connect(InetSocketAddress address, Duration timeout) throws IOException {
        return connect(address, timeout, null);
    }

    /** @param bind the local address to leave from (an egress source), or null for the system's choice */
    static Wire connect(InetSocketAddress address, Duration timeout, java.net.InetAddress bind) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            if (bind != null) s.bind(new InetSocketAddress(bind, 0));
            s.connect(address, (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
            return new Wire(s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void attach(Socket s) throws IOException {
        socket = s;
        reader = new ReplyReader(s.getInputStream());
        deadline = new WriteDeadline(s.getOutputStream(), guard, Duration.ofMinutes(5));
        out = new BufferedOutputStream(deadline, BUFFER);
    }

    /** Client-mode TLS over the current connection, handshake done; the caller checked nothing is buffered. */
    void startTls(SSLContext context, String sniHost, boolean verifyHostname, Duration timeout) throws IOException {
        InetSocketAddress remote = (InetSocketAddress) tcp.getRemoteSocketAddress();
        // An IP literal as the peer name when there is no SNI host: a null or name would invite a reverse lookup.
        String peer = sniHost != null ? sniHost : remote.getAddress().getHostAddress();
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, peer, remote.getPort(), true);
        tls.setUseClientMode(true);
        SSLParameters p = tls.getSSLParameters();
        List<String> supported = List.of(tls.getSupportedProtocols());
        List<String> protocols = new ArrayList<>();
        for (String proto : PROTOCOLS) if (supported.contains(proto)) protocols.add(proto);
        p.setProtocols(protocols.toArray(String[]::new));
        if (sniHost != null) {
            try {
                p.setServerNames(List.of(new SNIHostName(sniHost)));
            } catch (IllegalArgumentException e) {
                p.setServerNames(List.of()); // an address literal: SNI carries host names only
            }
        }
        if (verifyHostname) p.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(p);
        guard.start(timeout);
        try {
            tls.startHandshake();
        } catch (IOException e) {
            if (guard.expired()) throw new SocketTimeoutException("TLS handshake timed out after " + timeout.toMillis() + " ms");
            throw e;
        } finally {
            guard.clear();
        }
        tlsSession = tls.getSession();
        attach(tls);
    }

    Reply read(Duration timeout) throws IOException {
        guard.start(timeout);
        try {
            return reader.read();
        } catch (IOException e) {
            if (guard.expired()) throw new SocketTimeoutException("no reply within " + timeout.toMillis() + " ms");
            throw e;
        } finally {
            guard.clear();
        }
    }

    /** Sends command lines (each without CRLF) in one write. */
    void send(Duration timeout, String... lines) throws IOException {
        deadline.limit(timeout);
        for (String line : lines) out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Sends message data dot-stuffed and terminated, each 64 KiB block bounded by the timeout. */
    void sendData(byte[] data, Duration blockTimeout) throws IOException {
        deadline.limit(blockTimeout);
        DotEncoder.write(data, out);
        out.flush();
    }

    int buffered() {
        return reader.buffered();
    }

    /** True once a read, write or handshake ran out of time (and the connection was closed for it). */
    boolean timedOut() {
        return guard.expired();
    }

    SSLSession tlsSession() {
        return tlsSession;
    }

    InetSocketAddress remote() {
        return (InetSocketAddress) tcp.getRemoteSocketAddress();
    }

    @Override
    public void close() {
        guard.close();
        try {
            tcp.close(); // the TCP socket, not the TLS layer: no close_notify that could block
        } catch (IOException ignored) {
            // nothing left to do
        }
    }
}
