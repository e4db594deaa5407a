package sluice.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A scripted remote SMTP server on 127.0.0.1 for client tests: replies and failure modes come from a
 * {@link Script}; every command line and every received message is recorded.
 */
public final class FakeSmtpServer implements AutoCloseable {

    /** What happens to a connection before the greeting. */
    public enum Start { NORMAL, BLACKHOLE, DROP_AT_GREETING }

    /** How a TLS handshake (STARTTLS or implicit) goes wrong. */
    public enum TlsFailure { NONE, CLOSE_DURING_HANDSHAKE, NOT_TLS, STALL_DURING_HANDSHAKE }

    /**
     * One command line as received.
     *
     * @param batch increases each time the server had to wait for more input; pipelined commands share one
     */
    public record Line(int connection, boolean tls, int batch, String text) {}

    public record Rcpt(String address, String params) {}

    /** A message whose data was received (whatever the reply to it). */
    public record Received(int connection, boolean tls, String sender, String mailParams, List<Rcpt> recipients,
            byte[] data, int replyCode) {
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /** The behaviour, set through a fluent builder before the server starts. */
    public static final class Script {
        Start start = Start.NORMAL;
        int greetingCode = 220;
        String greetingText = "fake.test ESMTP ready";
        List<String> extensions = List.of("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES");
        final Map<String, String[]> replies = new HashMap<>();
        final Map<String, String[]> rcptReplies = new HashMap<>();
        final Set<String> dropAt = ConcurrentHashMap.newKeySet();
        final Set<String> silentAt = ConcurrentHashMap.newKeySet();
        String[] dataReply = {"250", "2.0.0 queued"};
        Duration delay = Duration.ZERO;
        SSLContext tls;
        boolean implicitTls;
        String[] protocols;
        TlsFailure tlsFailure = TlsFailure.NONE;
        String user;
        String password;
        int closeAfterMessages = Integer.MAX_VALUE;
        volatile int mailsPerSecond = Integer.MAX_VALUE;
        final Set<String> blockedPeers = ConcurrentHashMap.newKeySet();

        public Script greeting(int code) {
            this.greetingCode = code;
            this.greetingText = code == 220 ? greetingText : (code < 500 ? "4.3.2 " : "5.3.2 ") + "go away";
            return this;
        }

        public Script greeting(int code, String text) {
            this.greetingCode = code;
            this.greetingText = text;
            return this;
        }

        /** EHLO keywords with parameters, e.g. "SIZE 1000", "AUTH PLAIN LOGIN"; STARTTLS disappears after TLS. */
        public Script ehlo(String... keywords) {
            this.extensions = List.of(keywords);
            return this;
        }

        /** Reply to a command verb: EHLO, HELO, STARTTLS, AUTH, MAIL, RCPT, DATA, RSET, or "." (end of data). */
        public Script reply(String verb, int code, String text) {
            replies.put(verb.toUpperCase(Locale.ROOT), new String[] {String.valueOf(code), text});
            return this;
        }

        public Script rcptReply(String address, int code, String text) {
            rcptReplies.put(address.toLowerCase(Locale.ROOT), new String[] {String.valueOf(code), text});
            return this;
        }

        /** Reply to the end of data. */
        public Script dataReply(int code, String text) {
            dataReply = new String[] {String.valueOf(code), text};
            return this;
        }

        /** Waits this long before every reply (the greeting too). */
        public Script slowReplies(Duration d) {
            this.delay = d;
            return this;
        }

        /** Serves STARTTLS with this context (offer it by listing STARTTLS in {@link #ehlo}). */
        public Script tls(SSLContext context) {
            this.tls = context;
            return this;
        }

        /** TLS from the first byte (port 465 style). */
        public Script implicitTls(SSLContext context) {
            this.tls = context;
            this.implicitTls = true;
            return this;
        }

        /** Restricts the server's TLS protocols, e.g. "TLSv1.2". */
        public Script protocols(String... p) {
            this.protocols = p;
            return this;
        }

        public Script tlsFailure(TlsFailure f) {
            this.tlsFailure = f;
            return this;
        }

        /** Accepts AUTH PLAIN and LOGIN with these credentials (offer them by listing "AUTH PLAIN LOGIN"). */
        public Script auth(String user, String password) {
            this.user = user;
            this.password = password;
            return this;
        }

        /** Answers 421 to the MAIL after this many messages on one connection, and closes. */
        public Script closeAfterMessages(int n) {
            this.closeAfterMessages = n;
            return this;
        }

        /**
         * A provider's rate limit: once this many MAILs (all connections) were accepted in the current second, MAIL
         * is answered {@code 421 4.7.28} and the connection closed. Changeable while running
         * ({@link FakeSmtpServer#rateLimit}).
         */
        public Script rateLimit(int mailsPerSecond) {
            this.mailsPerSecond = mailsPerSecond;
            return this;
        }

        /** A blocklisted sender: MAIL from a connection of this peer address is answered 550 5.7.1 (Spamhaus). */
        public Script blockPeer(String address) {
            blockedPeers.add(address);
            return this;
        }

        public Script blackhole() {
            this.start = Start.BLACKHOLE;
            return this;
        }

        public Script dropAtGreeting() {
            this.start = Start.DROP_AT_GREETING;
            return this;
        }

        /** Closes the connection without a reply when this verb arrives ("." = end of data). */
        public Script dropAt(String verb) {
            dropAt.add(verb.toUpperCase(Locale.ROOT));
            return this;
        }

        /** Never replies to this verb (the connection stays open until the client gives up). */
        public Script silentAt(String verb) {
            silentAt.add(verb.toUpperCase(Locale.ROOT));
            return this;
        }
    }

    private final Script script;
    private final ServerSocket listener;
    private final List<Line> lines = new CopyOnWriteArrayList<>();
    private final List<Received> messages = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final java.util.Map<Integer, String> peers = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
    private final Map<Integer, long[]> spans = new ConcurrentHashMap<>();
    private long secondStart;   // guarded by this: the rate limit's current second (nanoTime)
    private int mailsInSecond;  // guarded by this

    /** A message accepted (2xx at end of data), with its arrival time (System.nanoTime) and connection's peer. */
    public record Arrival(long nanos, String peer, Received message) {
        /** The domain of its first recipient. */
        public String domain() {
            String a = message.recipients().getFirst().address();
            return a.substring(a.indexOf('@') + 1);
        }
    }
    private final Thread acceptor;

    private FakeSmtpServer(Script script) throws IOException {
        this.script = script;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofVirtual().name("fake-smtp-accept").start(this::acceptLoop);
    }

    public static FakeSmtpServer start(Consumer<Script> configure) throws IOException {
        Script s = new Script();
        configure.accept(s);
        return new FakeSmtpServer(s);
    }

    /** A loopback address where nothing listens (connections are refused). */
    public static InetSocketAddress closedAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), FreePorts.next());
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
    }

    public int port() {
        return listener.getLocalPort();
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    /** The command lines' texts in arrival order, all connections. */
    public List<String> commands() {
        return lines.stream().map(Line::text).toList();
    }

    public List<Received> messages() {
        return List.copyOf(messages);
    }

    /** The address a connection came from (which egress source a client bound to). */
    public String peer(int connection) {
        return peers.get(connection);
    }

    /** The name a connection gave in its first EHLO or HELO, or null. */
    public String ehloName(int connection) {
        return lines.stream()
                .filter(l -> l.connection() == connection)
                .map(Line::text)
                .filter(t -> t.regionMatches(true, 0, "EHLO ", 0, 5) || t.regionMatches(true, 0, "HELO ", 0, 5))
                .map(t -> t.substring(5).strip())
                .findFirst().orElse(null);
    }

    public int connections() {
        return connections.get();
    }

    /** The accepted messages with their arrival times, in arrival order. */
    public List<Arrival> arrivals() {
        return List.copyOf(arrivals);
    }

    /** Each connection's open and close time (System.nanoTime; close is Long.MAX_VALUE while open). */
    public Map<Integer, long[]> spans() {
        Map<Integer, long[]> out = new HashMap<>();
        spans.forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    /** Changes the rate limit of {@link Script#rateLimit} while running (Integer.MAX_VALUE: none). */
    public void rateLimit(int mailsPerSecond) {
        script.mailsPerSecond = mailsPerSecond;
    }

    /** Counts a MAIL against the rate limit: false when it is over the limit of the current second. */
    synchronized boolean admitMail() {
        long now = System.nanoTime();
        if (now - secondStart >= 1_000_000_000L) {
            secondStart = now;
            mailsInSecond = 0;
        }
        if (mailsInSecond >= script.mailsPerSecond) return false;
        mailsInSecond++;
        return true;
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : sockets) closeQuietly(s);
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket s = listener.accept();
                sockets.add(s);
                int id = connections.incrementAndGet();
                peers.put(id, s.getInetAddress().getHostAddress());
                spans.put(id, new long[] {System.nanoTime(), Long.MAX_VALUE});
                Thread.ofVirtual().name("fake-smtp-" + id).start(() -> {
                    try {
                        new FakeSmtpSession(this, script, s, id).run();
                    } catch (IOException | RuntimeException ignored) {
                        // the client went away or a scripted failure closed the socket
                    } finally {
                        closeQuietly(s);
                        spans.get(id)[1] = System.nanoTime();
                    }
                });
            } catch (IOException e) {
                return; // listener closed
            }
        }
    }

    void record(Line line) {
        lines.add(line);
    }

    void record(Received m) {
        messages.add(m);
        if (m.replyCode() / 100 == 2) arrivals.add(new Arrival(System.nanoTime(), peers.get(m.connection()), m));
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** Reads CRLF lines, counting how often it had to wait for the network (the "batch"). */
    static final class LineInput {
        private final InputStream in;
        private final byte[] buf = new byte[16384];
        private int pos;
        private int lim;
        int batch;

        LineInput(InputStream in) {
            this.in = in;
        }

        /** A line without CRLF, or null at end of stream. */
        byte[] readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                if (pos == lim) {
                    batch++;
                    lim = in.read(buf, 0, buf.length);
                    pos = 0;
                    if (lim < 0) {
                        lim = 0;
                        return null;
                    }
                }
                byte b = buf[pos++];
                if (b == '\n') {
                    byte[] bytes = line.toByteArray();
                    int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return java.util.Arrays.copyOf(bytes, n);
                }
                line.write(b);
            }
        }

        int buffered() {
            return lim - pos;
        }
    }

    static void write(OutputStream out, String code, List<String> texts) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < texts.size(); i++) {
            sb.append(code).append(i == texts.size() - 1 ? ' ' : '-').append(texts.get(i)).append("\r\n");
        }
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    static SSLSocket serverTls(Script script, Socket plain) throws IOException {
        SSLSocket tls = (SSLSocket) script.tls.getSocketFactory()
                .createSocket(plain, plain.getInetAddress().getHostAddress(), plain.getPort(), true);
        tls.setUseClientMode(false);
        if (script.protocols != null) tls.setEnabledProtocols(script.protocols);
        return tls;
    }

    static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static List<String> ehloLines(Script script, boolean tls) {
        List<String> out = new ArrayList<>();
        out.add("fake.test greets you");
        for (String e : script.extensions) if (!(tls && e.equalsIgnoreCase("STARTTLS"))) out.add(e);
        return out;
    }
}
