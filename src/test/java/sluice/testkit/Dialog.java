package sluice.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** A raw SMTP client for dialog tests: send exact bytes, read whole replies. */
public final class Dialog implements AutoCloseable {
    private Socket socket;
    private BufferedReader in;
    private OutputStream out;

    public Dialog(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        streams();
    }

    /** Talks over a socket the test connected itself (e.g. bound to a chosen source address). */
    public Dialog(Socket connected) throws IOException {
        socket = connected;
        streams();
    }

    /** Connects, reads the greeting, says EHLO, upgrades with STARTTLS and says EHLO again (submission). */
    public static Dialog startTls(int port) throws IOException {
        Dialog d = new Dialog(port);
        d.expect();
        d.ask("EHLO c.test");
        d.ask("STARTTLS");
        d.upgrade();
        d.ask("EHLO c.test");
        return d;
    }

    /** Connects with TLS from the first byte (submissions). */
    public static Dialog implicitTls(int port) throws IOException {
        Dialog d = new Dialog(port);
        d.upgrade();
        return d;
    }

    private void streams() throws IOException {
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = socket.getOutputStream();
    }

    /** Starts TLS on the connection (after a 220 to STARTTLS), trusting any certificate. */
    public void upgrade() throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {trustAll()}, null);
            SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(socket, "127.0.0.1", socket.getPort(), true);
            ssl.setUseClientMode(true);
            ssl.startHandshake();
            socket = ssl;
            streams();
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    public SSLSocket ssl() {
        return (SSLSocket) socket;
    }

    static X509TrustManager trustAll() {
        return new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) {}

            public void checkServerTrusted(X509Certificate[] c, String a) {}

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
    }

    /** Sends the text as is (no CRLF added). */
    public Dialog raw(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    /** Sends one command line with CRLF. */
    public Dialog send(String line) throws IOException {
        return raw(line + "\r\n");
    }

    /** Reads one whole (possibly multi-line) reply; returns its lines, or an empty list at EOF. */
    public List<String> reply() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = in.readLine();
            if (line == null) return lines;
            lines.add(line);
            if (line.length() < 4 || line.charAt(3) != '-') return lines;
        }
    }

    /** Reads one reply and returns its last line (code, enhanced status, text). */
    public String expect() throws IOException {
        List<String> r = reply();
        return r.isEmpty() ? "<EOF>" : r.get(r.size() - 1);
    }

    /** Sends a line and returns the last line of the reply. */
    public String ask(String line) throws IOException {
        send(line);
        return expect();
    }

    /** EHLO and AUTH PLAIN as the harness user; expects success. */
    public Dialog login(String user, String password) throws IOException {
        String token = java.util.Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
        String r = ask("AUTH PLAIN " + token);
        if (!r.startsWith("235")) throw new IOException("AUTH failed: " + r);
        return this;
    }

    public boolean closedByPeer() throws IOException {
        return in.readLine() == null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
