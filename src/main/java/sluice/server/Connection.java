package sluice.server;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.config.Cidr;
import sluice.config.ListenerConfig;
import sluice.observe.DeliveryEvent;
import sluice.smtp.Replies;
import sluice.smtp.Reply;
import sluice.smtp.Session;

/**
 * One client connection on its own virtual thread: PROXY header, access rules, TLS, then the SMTP
 * session driven by what it expects next. Blocking reads with socket timeouts; an idle client parks a
 * virtual thread and holds no platform thread.
 */
final class Connection implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    private final Server server;
    private final ListenerConfig listener;
    private final int port;
    private Socket socket;
    private final ReentrantLock writing = new ReentrantLock();
    private OutputStream out;
    private Session session;
    private int currentTimeout = -1;
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
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(millis(server.config().timeouts().handshake()));
            out = new BufferedOutputStream(socket.getOutputStream(), 8192);
            if (listener.proxyProtocol()) client = proxiedClient(client);
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
            server.register(this);
            openedNanos = System.nanoTime();
            server.events().publish(new DeliveryEvent.ConnectionOpened(server.clock().instant(), port,
                    listener.mode().key(), client.getHostAddress()));
            serve(client);
        } catch (SocketTimeoutException e) {
            trySend(session == null ? Replies.TIMEOUT : session.timeout());
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
    private InetAddress proxiedClient(InetAddress peer) throws IOException {
        try {
            ProxyHeader header = ProxyHeader.read(socket.getInputStream());
            return header.source() != null ? header.source().getAddress() : peer;
        } catch (IOException e) {
            refused(peer, "proxy_header");
            throw e;
        }
    }

    private void refused(InetAddress client, String reason) {
        server.events().publish(new DeliveryEvent.ConnectionRefused(server.clock().instant(), port,
                listener.mode().key(), client.getHostAddress(), reason));
    }

    private void closed() {
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

    private void serve(InetAddress client) throws IOException {
        SessionInput input;
        String tlsVersion = null;
        String cipher = null;
        if (listener.implicitTls()) {
            SSLSocket ssl = server.tls().wrapServer(socket);
            ssl.startHandshake();
            socket = ssl;
            out = new BufferedOutputStream(ssl.getOutputStream(), 8192);
            tlsVersion = ssl.getSession().getProtocol();
            cipher = ssl.getSession().getCipherSuite();
            tlsEstablished(ssl.getSession(), true);
        }
        input = new SessionInput(socket.getInputStream());
        session = server.newSession(listener, port, client);
        if (tlsVersion != null) session.tlsDetails(tlsVersion, cipher);
        int commandTimeout = millis(server.config().timeouts().command());
        int dataTimeout = millis(server.config().timeouts().data());
        timeout(commandTimeout);
        send(session.greeting());
        while (true) {
            Session.Input expecting = session.expecting();
            SessionInput.LineKind kind = null;
            switch (expecting) {
                case COMMAND, SASL_RESPONSE -> kind = input.readLine(session.maxLineLength());
                case DATA -> {
                    timeout(dataTimeout);
                    if (!input.readData(session.dataDecoder())) return;
                    timeout(commandTimeout);
                }
                case CHUNK -> {
                    timeout(dataTimeout);
                    if (!input.readChunk(session.chunkRemaining(), session::chunkData)) return;
                    timeout(commandTimeout);
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
                if (tlsNext) startTls(input, client, commandTimeout);
                if (server.draining() && !session.busy()) {
                    send(Replies.SHUTTING_DOWN);
                    return;
                }
            } finally {
                writing.unlock();
            }
        }
    }

    private void startTls(SessionInput input, InetAddress client, int commandTimeout) throws IOException {
        if (input.buffered() > 0) {
            log.debug("dropping {} plaintext bytes pipelined after STARTTLS by {}", input.buffered(),
                    client.getHostAddress());
        }
        SSLSocket ssl = server.tls().wrapServer(socket);
        ssl.setSoTimeout(millis(server.config().timeouts().handshake()));
        ssl.startHandshake();
        ssl.setSoTimeout(commandTimeout);
        currentTimeout = commandTimeout;
        socket = ssl;
        out = new BufferedOutputStream(ssl.getOutputStream(), 8192);
        input.switchTo(ssl.getInputStream());
        SSLSession s = ssl.getSession();
        session.tlsStarted(s.getProtocol(), s.getCipherSuite());
        tlsEstablished(s, false);
    }

    /** Sets the read timeout only when it changes (a system call per DATA otherwise, on the hot path). */
    private void timeout(int millis) throws IOException {
        if (millis != currentTimeout) {
            socket.setSoTimeout(millis);
            currentTimeout = millis;
        }
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

    private static int millis(java.time.Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
    }
}
