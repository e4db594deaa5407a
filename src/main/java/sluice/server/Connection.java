package sluice.server;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.config.Cidr;
import sluice.config.ListenerConfig;
import sluice.config.ListenerMode;
import sluice.observe.DeliveryEvent;
import sluice.policy.Dnsbl;
import sluice.smtp.Replies;
import sluice.smtp.Reply;
import sluice.smtp.Session;

/**
 * One client connection on its own virtual thread: PROXY header, access rules, TLS, then the SMTP
 * session driven by what it expects next. Blocking reads and writes, each under an {@link IoDeadline}
 * that {@link SessionTimeouts} enforces; an idle client parks a virtual thread and holds no platform thread.
 */
final class Connection implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);
    /** After a timeout's polite 421 has not closed the connection within this, it is closed regardless. */
    private static final long FORCE_CLOSE_NANOS = 2_000_000_000L;

    private final Server server;
    private final ListenerConfig listener;
    private final int port;
    private Socket socket;
    private final ReentrantLock writing = new ReentrantLock();
    private OutputStream out;
    private volatile Session session;
    private final IoDeadline deadline = new IoDeadline();
    private volatile long readTimeoutNanos;
    private volatile long expiredAt; // System.nanoTime() when the watchdog found a deadline passed; 0 before
    private long openedNanos;

    Connection(Server server, ListenerConfig listener, int port, Socket socket) {
        this.server = server;
        this.listener = listener;
        this.port = port;
        this.socket = socket;
    }

    @Override
    public void run() {
        InetAddress client = ((InetSocketAddress) socket.getRemoteSocketAddress()).getAddress();
        boolean counted = false;
        boolean exempt = false;
        server.register(this); // from the first byte on, so the watchdog also covers the PROXY header and refusals
        try {
            socket.setTcpNoDelay(true);
            readTimeout(server.config().timeouts().handshake());
            InputStream in = guarded(socket.getInputStream());
            out = guarded(socket.getOutputStream());
            if (listener.proxyProtocol()) {
                if (!listener.proxyAllowedFrom(client)) {
                    // Not a load balancer: its header would let it claim any address (127.0.0.1 relays), so
                    // nothing is read and nothing is said.
                    server.proxyRefusals().warn("refused a connection on port {} from {}: not in proxy_from, so its"
                            + " PROXY header is not trusted", port, client.getHostAddress());
                    refused(client, "proxy_header");
                    return;
                }
                client = proxiedClient(client, in);
            }
            if (denied(client)) {
                refused(client, "deny_rule");
                send(Replies.ACCESS_DENIED);
                return;
            }
            exempt = server.relayRules().isTrusted(client);
            ConnectionLimits.Admission admission = server.limits().acquire(client, exempt);
            if (admission != ConnectionLimits.Admission.ADMITTED) {
                refused(client, admission.reason());
                send(Replies.TOO_MANY_CONNECTIONS);
                return;
            }
            counted = true;
            if (!server.rates().connectionAllowed(client, exempt)) {
                refused(client, "connection_rate");
                send(Replies.CONNECTION_RATE);
                return;
            }
            Dnsbl.Listing listed = blocklisted(client, exempt);
            if (listed != null) {
                refused(client, "dnsbl");
                send(Reply.of(554, "5.7.1", "Service unavailable; client [" + client.getHostAddress() + "] blocked using "
                        + listed.zone()).closing());
                return;
            }
            openedNanos = System.nanoTime();
            server.events().publish(new DeliveryEvent.ConnectionOpened(server.clock().instant(), port,
                    listener.mode().key(), client.getHostAddress()));
            serve(client, in);
        } catch (SSLException e) {
            log.debug("TLS with {} failed: {}", client.getHostAddress(), e.getMessage());
        } catch (IOException e) {
            log.debug("connection from {} ended: {}", client.getHostAddress(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("session with {} failed", client.getHostAddress(), e);
            trySend(Replies.LOCAL_ERROR.closing());
        } finally {
            server.unregister(this);
            if (counted) server.limits().release(client, exempt);
            closeQuietly();
            if (counted) closed();
        }
    }

    /** The client the load balancer names in its PROXY header; a missing or malformed header ends the connection. */
    private InetAddress proxiedClient(InetAddress peer, InputStream in) throws IOException {
        try {
            ProxyHeader header = ProxyHeader.read(in);
            return header.source() != null ? header.source().getAddress() : peer;
        } catch (IOException e) {
            log.info("refused a connection on port {} from load balancer {}: PROXY header: {}", port,
                    peer.getHostAddress(), e.getMessage());
            refused(peer, "proxy_header");
            throw e;
        }
    }

    /** On mx listeners, for untrusted clients: the first blocklist that lists the client, or null. */
    private Dnsbl.Listing blocklisted(InetAddress client, boolean trusted) {
        Dnsbl dnsbl = server.dnsbl();
        if (dnsbl == null || trusted || listener.mode() != ListenerMode.MX) return null;
        return dnsbl.check(client).orElse(null);
    }

    private void refused(InetAddress client, String reason) {
        server.events().publish(new DeliveryEvent.ConnectionRefused(server.clock().instant(), port,
                listener.mode().key(), client.getHostAddress(), reason));
    }

    private void closed() {
        Session session = this.session;
        long ms = (System.nanoTime() - openedNanos) / 1_000_000;
        server.events().publish(new DeliveryEvent.ConnectionClosed(server.clock().instant(), port, listener.mode().key(),
                ms, session == null ? 0 : session.messagesQueued()));
    }

    private void tlsEstablished(SSLSession s, boolean implicit) {
        server.events().publish(new DeliveryEvent.TlsEstablished(server.clock().instant(), port, listener.mode().key(),
                s.getProtocol(), s.getCipherSuite(), implicit));
    }

    private boolean denied(InetAddress client) {
        for (Cidr c : listener.deny()) if (c.contains(client)) return true;
        if (listener.allow().isEmpty()) return false;
        for (Cidr c : listener.allow()) if (c.contains(client)) return false;
        return true;
    }

    private void serve(InetAddress client, InputStream in) throws IOException {
        String tlsVersion = null;
        String cipher = null;
        if (listener.implicitTls()) {
            SSLSocket ssl = server.tls().wrapServer(socket);
            handshake(ssl);
            socket = ssl;
            out = guarded(ssl.getOutputStream());
            in = guarded(ssl.getInputStream());
            tlsVersion = ssl.getSession().getProtocol();
            cipher = ssl.getSession().getCipherSuite();
            tlsEstablished(ssl.getSession(), true);
        }
        SessionInput input = new SessionInput(in);
        Session session = server.newSession(listener, port, client);
        this.session = session;
        if (tlsVersion != null) session.tlsDetails(tlsVersion, cipher);
        Duration commandTimeout = server.config().timeouts().command();
        Duration dataTimeout = server.config().timeouts().data();
        readTimeout(commandTimeout);
        send(session.greeting());
        while (true) {
            Session.Input expecting = session.expecting();
            SessionInput.LineKind kind = null;
            switch (expecting) {
                case COMMAND, SASL_RESPONSE -> kind = input.readLine(session.maxLineLength());
                case DATA -> {
                    readTimeout(dataTimeout);
                    if (!input.readData(session.dataDecoder())) return;
                    readTimeout(commandTimeout);
                }
                case CHUNK -> {
                    readTimeout(dataTimeout);
                    if (!input.readChunk(session.chunkRemaining(), session::chunkData)) return;
                    readTimeout(commandTimeout);
                }
            }
            if (kind == SessionInput.LineKind.EOF) return;
            writing.lock(); // held while the session acts, so a shutdown drain never interleaves a reply
            try {
                Reply reply = switch (expecting) {
                    case COMMAND, SASL_RESPONSE -> switch (kind) {
                        case LINE -> session.onLine(input.line());
                        case TOO_LONG -> session.badLine(Replies.LINE_TOO_LONG);
                        default -> session.badLine(Replies.BARE_NEWLINE);
                    };
                    case DATA -> session.dataFinished();
                    case CHUNK -> session.chunkFinished();
                };
                if (reply == null) continue; // BDAT: its chunk is read next
                boolean moreInput = session.expecting() == Session.Input.COMMAND ? input.hasCompleteLine()
                        : input.buffered() > 0;
                boolean tlsNext = session.wantsTls();
                write(reply, !moreInput || reply.close() || tlsNext);
                if (reply.close()) return;
                if (tlsNext) startTls(input, client);
                if (server.draining() && !session.busy()) {
                    send(Replies.SHUTTING_DOWN);
                    return;
                }
            } finally {
                writing.unlock();
            }
        }
    }

    private void startTls(SessionInput input, InetAddress client) throws IOException {
        if (input.buffered() > 0) {
            log.debug("dropping {} plaintext bytes pipelined after STARTTLS by {}", input.buffered(),
                    client.getHostAddress());
        }
        SSLSocket ssl = server.tls().wrapServer(socket);
        handshake(ssl);
        socket = ssl;
        out = guarded(ssl.getOutputStream());
        input.switchTo(guarded(ssl.getInputStream()));
        SSLSession s = ssl.getSession();
        session.tlsStarted(s.getProtocol(), s.getCipherSuite());
        tlsEstablished(s, false);
    }

    private void handshake(SSLSocket ssl) throws IOException {
        deadline.start(server.config().timeouts().handshake().toNanos(), IoDeadline.OnExpiry.CLOSE);
        try {
            ssl.startHandshake();
        } finally {
            deadline.clear();
        }
    }

    private InputStream guarded(InputStream in) {
        return GuardedStreams.input(in, deadline, () -> readTimeoutNanos);
    }

    private OutputStream guarded(OutputStream raw) {
        long writeTimeout = server.config().timeouts().command().toNanos();
        // No size given: made on a virtual thread, the buffer starts at 512 bytes and grows to 8 KiB only when a
        // pipelined group of replies needs it (an 8 KiB buffer up front was a sixth of an idle session's memory).
        return new BufferedOutputStream(GuardedStreams.output(raw, deadline, writeTimeout));
    }

    private void readTimeout(Duration d) {
        readTimeoutNanos = d.toNanos();
    }

    /**
     * From the watchdog: ends the connection when its read, write or handshake is overdue. A client we
     * are waiting for is told 421 4.4.2 first; that and the close happen on a virtual thread of their own,
     * since writing to a client may block.
     */
    void checkDeadline(long now) {
        long expired = expiredAt;
        if (expired != 0) {
            if (now - expired > FORCE_CLOSE_NANOS) closeQuietly(); // the polite close is stuck on the client
            return;
        }
        if (!deadline.passed(now)) return;
        expiredAt = now;
        boolean reply = deadline.onExpiry() == IoDeadline.OnExpiry.REPLY_AND_CLOSE;
        Thread.ofVirtual().name("smtp-timeout-" + port).start(() -> expire(reply));
    }

    private void expire(boolean reply) {
        if (reply) {
            if (!writing.tryLock()) { // the session is acting on what it read just now: no timeout after all
                expiredAt = 0;
                return;
            }
            try {
                if (!deadline.passed(System.nanoTime())) {
                    expiredAt = 0;
                    return;
                }
                Session s = session;
                trySend(s == null ? Replies.TIMEOUT : s.timeout());
            } finally {
                writing.unlock();
            }
        } else if (!deadline.passed(System.nanoTime())) {
            expiredAt = 0;
            return;
        }
        closeQuietly();
    }

    private void write(Reply reply, boolean flush) throws IOException {
        out.write(reply.encode());
        if (flush) out.flush();
    }

    private void send(Reply reply) throws IOException {
        write(reply, true);
    }

    private void trySend(Reply reply) {
        try {
            if (out != null) send(reply);
        } catch (IOException ignored) {
            // the client is gone; nothing to tell it
        }
    }

    /** Whether its session is in a mail transaction (read from another thread: a drain's poll, not a lock). */
    boolean busy() {
        Session s = session;
        return s != null && s.busy();
    }

    /** Shutdown: an idle session is told 421 and closed now; a busy one finishes its transaction first. */
    void drainIfIdle() {
        if (!writing.tryLock()) return;
        try {
            if (session != null && session.busy()) return;
            trySend(Replies.SHUTTING_DOWN);
            closeQuietly();
        } finally {
            writing.unlock();
        }
    }

    void closeQuietly() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

}
