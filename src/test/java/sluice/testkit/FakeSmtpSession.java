package sluice.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLSocket;
import sluice.testkit.FakeSmtpServer.Line;
import sluice.testkit.FakeSmtpServer.LineInput;
import sluice.testkit.FakeSmtpServer.Rcpt;
import sluice.testkit.FakeSmtpServer.Received;
import sluice.testkit.FakeSmtpServer.Script;
import sluice.testkit.FakeSmtpServer.TlsFailure;

/** One connection to the {@link FakeSmtpServer}: a plain loop over command lines, replies from the script. */
final class FakeSmtpSession {
    /** Thrown to end the session without a reply (scripted drops and silences). */
    private static final class Hangup extends IOException {}

    private final FakeSmtpServer server;
    private final Script script;
    private final int id;
    private Socket socket;
    private LineInput in;
    private OutputStream out;
    private boolean tls;
    private String sender;
    private String mailParams;
    private final List<Rcpt> rcpts = new ArrayList<>();
    private int delivered;

    FakeSmtpSession(FakeSmtpServer server, Script script, Socket socket, int id) throws IOException {
        this.server = server;
        this.script = script;
        this.id = id;
        attach(socket);
    }

    private void attach(Socket s) throws IOException {
        socket = s;
        in = new LineInput(s.getInputStream());
        out = s.getOutputStream();
    }

    void run() throws IOException {
        switch (script.start) {
            case BLACKHOLE -> {
                while (socket.getInputStream().read() >= 0) { /* swallow until the client gives up */ }
                return;
            }
            case DROP_AT_GREETING -> {
                return;
            }
            case NORMAL -> { }
        }
        if (script.implicitTls && !handshake()) return;
        reply(String.valueOf(script.greetingCode), script.greetingText);
        if (script.greetingCode == 421) return;
        try {
            loop();
        } catch (Hangup h) {
            // scripted
        }
    }

    private void loop() throws IOException {
        while (true) {
            byte[] raw = in.readLine();
            if (raw == null) return;
            String line = new String(raw, StandardCharsets.UTF_8);
            server.record(new Line(id, tls, in.batch, line));
            String upper = line.toUpperCase(Locale.ROOT);
            String verb = upper.split(" ", 2)[0];
            if (upper.startsWith("MAIL FROM:")) verb = "MAIL";
            if (upper.startsWith("RCPT TO:")) verb = "RCPT";
            if (script.dropAt.contains(verb)) throw new Hangup();
            if (script.silentAt.contains(verb)) {
                while (in.readLine() != null) { /* never answer */ }
                throw new Hangup();
            }
            if (!handle(verb, line)) return;
        }
    }

    /** False when the session ends. */
    private boolean handle(String verb, String line) throws IOException {
        if (script.greetingCode != 220 && !verb.equals("QUIT")) {
            reply("503", "5.5.1 go away");
            return true;
        }
        String[] scripted = script.replies.get(verb);
        switch (verb) {
            case "EHLO" -> {
                if (scripted != null) return scripted(scripted);
                replyLines("250", FakeSmtpServer.ehloLines(script, tls));
            }
            case "HELO" -> {
                if (scripted != null) return scripted(scripted);
                reply("250", "fake.test");
            }
            case "STARTTLS" -> {
                if (scripted != null) return scripted(scripted);
                if (script.tls == null || tls) {
                    reply("454", "4.7.0 TLS not available");
                    return true;
                }
                reply("220", "2.0.0 go ahead");
                return handshake();
            }
            case "AUTH" -> {
                if (scripted != null) return scripted(scripted);
                auth(line);
            }
            case "MAIL" -> mail(line, scripted);
            case "RCPT" -> rcpt(line, scripted);
            case "DATA" -> data(scripted);
            case "RSET" -> {
                resetTransaction();
                if (scripted != null) return scripted(scripted);
                reply("250", "2.0.0 reset");
            }
            case "NOOP" -> reply("250", "2.0.0 ok");
            case "QUIT" -> {
                reply("221", "2.0.0 bye");
                return false;
            }
            default -> reply("502", "5.5.1 unknown command");
        }
        return true;
    }

    private boolean scripted(String[] r) throws IOException {
        reply(r[0], r[1]);
        return !r[0].equals("421");
    }

    private void mail(String line, String[] scripted) throws IOException {
        if (delivered >= script.closeAfterMessages) {
            reply("421", "4.7.0 too many messages on one connection");
            throw new Hangup();
        }
        if (scripted != null) {
            if (!scripted(scripted)) throw new Hangup();
            return;
        }
        if (script.blockedPeers.contains(socket.getInetAddress().getHostAddress())) {
            reply("550", "5.7.1 Service unavailable; client host blocked using zen.spamhaus.org");
            return;
        }
        if (!server.admitMail()) {
            reply("421", "4.7.28 rate limited, try again later");
            throw new Hangup();
        }
        String rest = line.substring("MAIL FROM:".length());
        int close = rest.indexOf('>');
        sender = rest.substring(rest.indexOf('<') + 1, close);
        mailParams = rest.substring(close + 1).strip();
        rcpts.clear();
        reply("250", "2.1.0 sender ok");
    }

    private void rcpt(String line, String[] scripted) throws IOException {
        if (sender == null) {
            reply("503", "5.5.1 need MAIL first");
            return;
        }
        String rest = line.substring("RCPT TO:".length());
        int close = rest.indexOf('>');
        String address = rest.substring(rest.indexOf('<') + 1, close);
        String[] r = script.rcptReplies.get(address.toLowerCase(Locale.ROOT));
        if (r == null) r = scripted;
        if (r != null) {
            if (!scripted(r)) throw new Hangup();
            return;
        }
        rcpts.add(new Rcpt(address, rest.substring(close + 1).strip()));
        reply("250", "2.1.5 recipient ok");
    }

    private void data(String[] scripted) throws IOException {
        if (scripted != null) {
            if (!scripted(scripted)) throw new Hangup();
            return;
        }
        if (sender == null || rcpts.isEmpty()) {
            reply("554", "5.5.1 no valid recipients");
            return;
        }
        reply("354", "go ahead");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        while (true) {
            byte[] l = in.readLine();
            if (l == null) throw new Hangup();
            if (l.length == 1 && l[0] == '.') break;
            int skip = l.length > 0 && l[0] == '.' ? 1 : 0;
            data.write(l, skip, l.length - skip);
            data.write('\r');
            data.write('\n');
        }
        server.record(new Line(id, tls, in.batch, "."));
        if (script.dropAt.contains(".")) throw new Hangup();
        if (script.silentAt.contains(".")) {
            while (in.readLine() != null) { /* never answer */ }
            throw new Hangup();
        }
        String[] r = script.replies.getOrDefault(".", script.dataReply);
        server.record(new Received(id, tls, sender, mailParams, List.copyOf(rcpts), data.toByteArray(),
                Integer.parseInt(r[0])));
        if (r[0].startsWith("2")) delivered++;
        resetTransaction();
        if (!scripted(r)) throw new Hangup();
    }

    private void auth(String line) throws IOException {
        String[] parts = line.split(" ");
        String mechanism = parts.length > 1 ? parts[1].toUpperCase(Locale.ROOT) : "";
        String user;
        String password;
        if (mechanism.equals("PLAIN")) {
            String response = parts.length > 2 ? parts[2] : challenge("");
            String[] fields = decode(response).split("\0", -1);
            if (fields.length != 3) {
                reply("501", "5.5.2 bad PLAIN response");
                return;
            }
            user = fields[1];
            password = fields[2];
        } else if (mechanism.equals("LOGIN")) {
            user = decode(parts.length > 2 ? parts[2] : challenge(FakeSmtpServer.base64("Username:")));
            password = decode(challenge(FakeSmtpServer.base64("Password:")));
        } else {
            reply("504", "5.5.4 unknown mechanism");
            return;
        }
        if (user.equals(script.user) && password.equals(script.password)) reply("235", "2.7.0 authenticated");
        else reply("535", "5.7.8 authentication failed");
    }

    private String challenge(String text) throws IOException {
        reply("334", text);
        byte[] l = in.readLine();
        if (l == null) throw new Hangup();
        String s = new String(l, StandardCharsets.US_ASCII);
        server.record(new Line(id, tls, in.batch, s));
        return s;
    }

    private static String decode(String b64) {
        try {
            return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    /** False when the handshake was made to fail (the session ends). */
    private boolean handshake() throws IOException {
        if (script.tlsFailure == TlsFailure.CLOSE_DURING_HANDSHAKE) {
            socket.getInputStream().read(new byte[512]); // part of the ClientHello, then hang up
            return false;
        }
        if (script.tlsFailure == TlsFailure.STALL_DURING_HANDSHAKE) {
            socket.setSoTimeout(10_000);
            byte[] b = new byte[512];
            while (socket.getInputStream().read(b) >= 0) { /* the ClientHello, unanswered, until the client gives up */ }
            return false;
        }
        if (script.tlsFailure == TlsFailure.NOT_TLS) {
            reply("220", "this is not TLS");
            socket.getInputStream().read(new byte[512]);
            return false;
        }
        SSLSocket t = FakeSmtpServer.serverTls(script, socket);
        t.setSoTimeout(10_000);
        t.startHandshake();
        t.setSoTimeout(0);
        attach(t);
        tls = true;
        resetTransaction();
        return true;
    }

    private void resetTransaction() {
        sender = null;
        mailParams = null;
        rcpts.clear();
    }

    private void reply(String code, String text) throws IOException {
        replyLines(code, List.of(text));
    }

    private void replyLines(String code, List<String> texts) throws IOException {
        if (!script.delay.isZero()) {
            try {
                Thread.sleep(script.delay);
            } catch (InterruptedException e) {
                throw new Hangup();
            }
        }
        FakeSmtpServer.write(out, code, texts);
    }
}
