package sluice.delivery;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Set;
import javax.net.ssl.SSLSession;
import sluice.delivery.ClientFailure.Kind;
import sluice.delivery.ClientFailure.Stage;
import sluice.observe.FailureText;
import sluice.smtp.Capabilities;
import sluice.smtp.ClientCommands;
import sluice.smtp.Reply;

/**
 * One outbound SMTP connection: greeting, EHLO, STARTTLS and AUTH in {@link #open}, then one transaction per
 * {@link #send} for as long as {@link #reusable()}. Not thread-safe: one delivery thread owns it.
 */
public final class SmtpClient implements AutoCloseable {
    private static final Duration QUIT_TIMEOUT = Duration.ofSeconds(2);

    private final Wire wire;
    private final ClientSettings settings;
    private final Reply greeting;
    private Capabilities capabilities = Capabilities.NONE;
    private final Transaction transaction;
    private boolean closed;

    private SmtpClient(Wire wire, ClientSettings settings, Reply greeting) {
        this.wire = wire;
        this.settings = settings;
        this.greeting = greeting;
        this.transaction = new Transaction(wire, settings.timeouts());
    }

    /** Connects, reads the greeting, EHLO (HELO if EHLO gets 5xx), STARTTLS if settings ask, EHLO again, AUTH if credentials. */
    public static SmtpClient open(InetSocketAddress address, ClientSettings settings) throws ClientFailure {
        Wire wire = connect(address, settings);
        try {
            if (settings.implicitTls()) handshake(wire, settings);
            Reply greeting = read(wire, Stage.GREETING, settings.timeouts().greeting());
            if (greeting.code() / 100 != 2) throw refuse(wire, Stage.GREETING, greeting);
            SmtpClient client = new SmtpClient(wire, settings, greeting);
            client.hello();
            client.startTls();
            client.authenticate();
            return client;
        } catch (ClientFailure | RuntimeException e) {
            wire.close();
            throw e;
        }
    }

    /** One transaction; every recipient gets a reply, the server's or a synthetic one. */
    public MessageResult send(OutboundMessage message) {
        return transaction.run(message, capabilities);
    }

    /** The connection is still good for another transaction (no 421, no I/O error, not closed). */
    public boolean reusable() {
        return !closed && transaction.usable();
    }

    /** The negotiated protocol ("TLSv1.3"), or null in plaintext. */
    public String tlsVersion() {
        SSLSession s = wire.tlsSession();
        return s == null ? null : s.getProtocol();
    }

    public String tlsCipher() {
        SSLSession s = wire.tlsSession();
        return s == null ? null : s.getCipherSuite();
    }

    /** EHLO keywords, upper case (empty after HELO); after STARTTLS, those of the second EHLO. */
    public Set<String> extensions() {
        return capabilities.names();
    }

    /** What the host announced in its (last) EHLO reply. */
    public Capabilities capabilities() {
        return capabilities;
    }

    /** The announced SIZE limit, or 0. */
    public long maxSize() {
        return capabilities.maxSize();
    }

    public Reply greeting() {
        return greeting;
    }

    /** The greeting's first line, e.g. "mx.example.com ESMTP Postfix". */
    public String banner() {
        return greeting.lines().get(0);
    }

    public InetSocketAddress remote() {
        return wire.remote();
    }

    /** QUIT (best effort, short timeout) and close. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (transaction.usable()) {
            try {
                wire.send(QUIT_TIMEOUT, "QUIT");
                wire.read(QUIT_TIMEOUT);
            } catch (IOException ignored) {
                // the connection ends either way
            }
        }
        wire.close();
    }

    private static Wire connect(InetSocketAddress address, ClientSettings settings) throws ClientFailure {
        if (address.isUnresolved()) throw new IllegalArgumentException("unresolved address (no DNS here): " + address);
        try {
            return Wire.connect(address, settings.connectTimeout(), settings.bindAddress());
        } catch (ConnectException e) {
            throw new ClientFailure(Stage.CONNECT, Kind.REFUSED, null, FailureText.of(e, where(address)), e);
        } catch (SocketTimeoutException e) {
            throw new ClientFailure(Stage.CONNECT, Kind.TIMEOUT, null, FailureText.of(e, where(address)), e);
        } catch (IOException e) {
            throw new ClientFailure(Stage.CONNECT, Kind.IO, null, FailureText.of(e, where(address)), e);
        }
    }

    private void hello() throws ClientFailure {
        Reply ehlo = command(Stage.EHLO, "EHLO " + settings.ehloName());
        if (ehlo.code() == 250) {
            capabilities = Capabilities.parse(ehlo);
            return;
        }
        if (ehlo.code() / 100 != 5) throw refuse(wire, Stage.EHLO, ehlo);
        Reply helo = command(Stage.EHLO, "HELO " + settings.ehloName());
        if (helo.code() != 250) throw refuse(wire, Stage.EHLO, helo);
        capabilities = Capabilities.NONE;
    }

    private void startTls() throws ClientFailure {
        if (settings.implicitTls() || settings.tls() == TlsMode.NONE) return;
        boolean required = settings.tls() == TlsMode.REQUIRED;
        if (!capabilities.has("STARTTLS")) {
            if (required) throw fail(Stage.STARTTLS, Kind.TLS_UNAVAILABLE, null, "STARTTLS not offered");
            return;
        }
        Reply reply = command(Stage.STARTTLS, "STARTTLS");
        if (reply.code() != 220) {
            // Opportunistic TLS that the server then refuses: carry on in plaintext, as Postfix's "may" level does.
            if (required || reply.code() == 421) throw refuse(wire, Stage.STARTTLS, reply);
            return;
        }
        if (wire.buffered() > 0) {
            // Plaintext that arrived after the 220 would be taken as a reply inside TLS (CVE-2011-0411).
            throw fail(Stage.STARTTLS, Kind.IO, reply, "data after the STARTTLS reply (response injection)");
        }
        handshake(wire, settings);
        hello();
    }

    private static void handshake(Wire wire, ClientSettings settings) throws ClientFailure {
        try {
            wire.startTls(settings.sslContext(), settings.sniHost(), settings.verifyHostname(),
                    settings.timeouts().command());
        } catch (SocketTimeoutException e) {
            throw new ClientFailure(Stage.TLS_HANDSHAKE, Kind.TIMEOUT, null, FailureText.of(e), e);
        } catch (IOException e) {
            // A reset or close during the handshake is a TLS failure too: the caller may retry without TLS.
            throw new ClientFailure(Stage.TLS_HANDSHAKE, Kind.TLS, null, FailureText.of(e), e);
        }
    }

    private void authenticate() throws ClientFailure {
        Credentials c = settings.credentials();
        if (c == null) return;
        if (wire.tlsSession() == null) {
            throw fail(Stage.AUTH, Kind.AUTH_UNAVAILABLE, null, "credentials are never sent without TLS");
        }
        Set<String> mechanisms = capabilities.authMechanisms();
        Reply reply;
        if (mechanisms.contains("PLAIN")) {
            reply = command(Stage.AUTH, ClientCommands.authPlain(c.username(), c.password()));
        } else if (mechanisms.contains("LOGIN")) {
            reply = command(Stage.AUTH, "AUTH LOGIN");
            if (reply.code() == 334) reply = command(Stage.AUTH, ClientCommands.base64(c.username()));
            if (reply.code() == 334) reply = command(Stage.AUTH, ClientCommands.base64(c.password()));
        } else {
            throw fail(Stage.AUTH, Kind.AUTH_UNAVAILABLE, null, "no AUTH PLAIN or LOGIN offered (" + mechanisms + ")");
        }
        if (reply.code() == 235) return;
        if (reply.code() == 334) {
            command(Stage.AUTH, "*"); // an unexpected challenge: cancel the exchange
            throw fail(Stage.AUTH, Kind.PERMANENT, reply, "unexpected AUTH challenge");
        }
        throw refuse(wire, Stage.AUTH, reply);
    }

    private Reply command(Stage stage, String line) throws ClientFailure {
        try {
            wire.send(settings.timeouts().command(), line);
        } catch (IOException e) {
            throw ioFailure(stage, e);
        }
        return read(wire, stage, settings.timeouts().command());
    }

    private static Reply read(Wire wire, Stage stage, Duration timeout) throws ClientFailure {
        try {
            return wire.read(timeout);
        } catch (IOException e) {
            throw ioFailure(stage, e);
        }
    }

    private static ClientFailure ioFailure(Stage stage, IOException e) {
        Kind kind = e instanceof SocketTimeoutException ? Kind.TIMEOUT : Kind.IO;
        return new ClientFailure(stage, kind, null, FailureText.of(e), e);
    }

    private static String where(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private ClientFailure fail(Stage stage, Kind kind, Reply reply, String detail) {
        quietQuit(wire);
        return new ClientFailure(stage, kind, reply, detail, null);
    }

    /** A refusing reply: QUIT politely unless the server is closing anyway, then report it. */
    private static ClientFailure refuse(Wire wire, Stage stage, Reply reply) {
        if (reply.code() != 421) quietQuit(wire);
        return ClientFailure.ofReply(stage, reply); // an unexpected 2xx/3xx counts as temporary
    }

    private static void quietQuit(Wire wire) {
        try {
            wire.send(QUIT_TIMEOUT, "QUIT");
            wire.read(QUIT_TIMEOUT);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
