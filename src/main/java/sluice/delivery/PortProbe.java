package sluice.delivery;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import javax.security.auth.x500.X500Principal;
import sluice.config.IpLiterals;
import sluice.delivery.PortReport.Status;
import sluice.observe.FailureText;
import sluice.smtp.Capabilities;
import sluice.smtp.Reply;
import sluice.smtp.ReplyReader;

/**
 * Tests one port of a mail server the way a client would use it, without sending mail or credentials: connect,
 * greeting (or implicit TLS when no plaintext greeting comes), EHLO, STARTTLS, EHLO again, QUIT. Every step is
 * bounded by one timeout. Thread-safe: each {@link #probe} uses its own connection.
 */
public final class PortProbe {
    /** A certificate expiring sooner than this is reported as a problem. */
    static final long EXPIRY_WARNING_DAYS = 14;
    /** The port where implicit TLS is tried first (RFC 8314); elsewhere only after a silent plaintext greeting. */
    static final int SUBMISSIONS_PORT = 465;

    private final String ehloName;
    private final Duration timeout;
    private final X509TrustManager trustStore;
    private final Clock clock;

    /**
     * @param trustStore decides {@code trusted} (see {@link #jdkTrustStore()}); the handshake itself accepts any
     *                   certificate so that an untrusted one can still be described
     */
    public PortProbe(String ehloName, Duration timeout, X509TrustManager trustStore, Clock clock) {
        this.ehloName = ehloName;
        this.timeout = timeout;
        this.trustStore = trustStore;
        this.clock = clock;
    }

    /** The JDK's default trust store (cacerts). */
    public static X509TrustManager jdkTrustStore() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            for (TrustManager tm : tmf.getTrustManagers()) if (tm instanceof X509TrustManager x) return x;
            throw new IllegalStateException("no X509 trust manager in the JDK");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK trust store: " + e.getMessage(), e);
        }
    }

    /**
     * Probes {@code address:port}; {@code host} is the name (or literal) the user gave: SNI and the hostname check.
     */
    public PortReport probe(InetAddress address, String host, int port) {
        InetSocketAddress target = new InetSocketAddress(address, port);
        if (port == SUBMISSIONS_PORT) {
            Attempt tls = attempt(target, host, true);
            if (tls.connected() && tls.tls != null && tls.tls.ok() && tls.error == null) return tls.report(port);
            if (!tls.connected()) return tls.report(port);
            Attempt plain = attempt(target, host, false);
            return plain.error == null ? plain.report(port) : tls.report(port);
        }
        Attempt plain = attempt(target, host, false);
        if (!plain.silent) return plain.report(port);
        Attempt tls = attempt(target, host, true);
        if (tls.tls != null && tls.tls.ok()) return tls.report(port);
        plain.problems.add("implicit TLS failed too: " + (tls.tls == null ? tls.error : tls.tls.error()));
        return plain.report(port);
    }

    /** One connection's findings, filled in as the dialog goes. */
    private static final class Attempt {
        Status status;
        String error;
        boolean silent; // connected, but no plaintext greeting within the timeout
        String banner;
        long connectMs = -1;
        long bannerMs = -1;
        PortReport.Tls tls;
        List<String> extensions = List.of();
        List<String> extensionsAfterTls = List.of();
        List<String> authBefore = List.of();
        List<String> authAfter = List.of();
        final List<String> problems = new ArrayList<>();

        boolean connected() {
            return status == Status.REACHABLE;
        }

        PortReport report(int port) {
            return new PortReport(port, status, error, banner, connectMs, bannerMs, tls, extensions, extensionsAfterTls,
                    authBefore, authAfter, problems);
        }
    }

    private Attempt attempt(InetSocketAddress target, String host, boolean implicit) {
        Attempt a = new Attempt();
        long start = System.nanoTime();
        Wire wire;
        try {
            wire = Wire.connect(target, timeout);
            a.status = Status.REACHABLE;
        } catch (ConnectException e) {
            a.status = Status.REFUSED;
            a.error = "connection refused";
            return a;
        } catch (SocketTimeoutException e) {
            a.status = Status.FILTERED;
            a.error = "no answer to the TCP connect within " + timeout.toMillis() + " ms (filtered or firewalled)";
            return a;
        } catch (IOException e) {
            a.status = Status.UNREACHABLE;
            a.error = FailureText.of(e);
            return a;
        }
        a.connectMs = millisSince(start);
        try {
            dialog(wire, host, implicit, a);
        } finally {
            wire.close();
        }
        return a;
    }

    private void dialog(Wire wire, String host, boolean implicit, Attempt a) {
        if (implicit) {
            a.tls = handshake(wire, host, "implicit", a.problems);
            if (!a.tls.ok()) {
                a.error = "implicit TLS failed: " + a.tls.error();
                return;
            }
        }
        long t = System.nanoTime();
        Reply greeting;
        try {
            greeting = wire.read(timeout);
        } catch (SocketTimeoutException e) {
            a.silent = !implicit;
            a.error = "no greeting within " + timeout.toMillis() + " ms";
            return;
        } catch (EOFException e) {
            a.error = "closed the connection without a greeting";
            return;
        } catch (ReplyReader.MalformedReplyException e) {
            a.error = "not an SMTP server: " + e.getMessage();
            return;
        } catch (IOException e) {
            a.error = "reading the greeting: " + FailureText.of(e);
            return;
        }
        a.bannerMs = millisSince(t);
        a.banner = greeting.code() + " " + greeting.lines().get(0);
        if (greeting.code() != 220) {
            a.problems.add("the greeting refuses service: " + greeting.summary());
            quit(wire);
            return;
        }
        try {
            Capabilities caps = hello(wire, a);
            a.extensions = describe(caps);
            if (implicit) {
                a.extensionsAfterTls = a.extensions;
                a.authAfter = List.copyOf(caps.authMechanisms());
            } else {
                a.authBefore = List.copyOf(caps.authMechanisms());
            }
            if (implicit || startTls(wire, host, caps, a)) quit(wire);
        } catch (IOException e) {
            a.problems.add("the dialog broke off: " + FailureText.of(e));
        }
        judge(a, wire.remote().getPort(), implicit);
    }

    private Capabilities hello(Wire wire, Attempt a) throws IOException {
        Reply ehlo = ask(wire, "EHLO " + ehloName);
        if (ehlo.code() == 250) return Capabilities.parse(ehlo);
        a.problems.add("EHLO refused (" + ehlo.summary() + "): no ESMTP extensions, so no STARTTLS or AUTH");
        ask(wire, "HELO " + ehloName);
        return Capabilities.NONE;
    }

    /** STARTTLS if offered; false when the connection is no longer fit for a QUIT. */
    private boolean startTls(Wire wire, String host, Capabilities caps, Attempt a) throws IOException {
        if (!caps.has("STARTTLS")) return true;
        Reply reply = ask(wire, "STARTTLS");
        if (reply.code() != 220) {
            a.tls = PortReport.Tls.failed("starttls", 0, "STARTTLS refused: " + reply.summary());
            return reply.code() != 421;
        }
        if (wire.buffered() > 0) {
            a.tls = PortReport.Tls.failed("starttls", 0, "plaintext data after the STARTTLS reply (response injection)");
            return false;
        }
        a.tls = handshake(wire, host, "starttls", a.problems);
        if (!a.tls.ok()) return false;
        Capabilities after = hello(wire, a);
        a.extensionsAfterTls = describe(after);
        a.authAfter = List.copyOf(after.authMechanisms());
        return true;
    }

    /** Findings that need the whole dialog. */
    private static void judge(Attempt a, int port, boolean implicit) {
        List<String> plaintextPasswords = a.authBefore.stream().filter(m -> m.equals("PLAIN") || m.equals("LOGIN")).toList();
        if (!plaintextPasswords.isEmpty()) {
            a.problems.add(0, "AUTH " + String.join(" ", plaintextPasswords)
                    + " offered before TLS: clients may send passwords in the clear (offer AUTH only after STARTTLS)");
        }
        if (a.tls != null && !a.tls.ok()) a.problems.add("TLS failed: " + a.tls.error());
        if (!implicit && a.tls == null) a.problems.add("STARTTLS not offered: mail and passwords would travel in the clear");
        if (a.tls != null && a.tls.ok() && a.authAfter.isEmpty() && port != 25) {
            a.problems.add("no AUTH offered after TLS: a client cannot log in to submit mail here");
        }
    }

    private PortReport.Tls handshake(Wire wire, String host, String mode, List<String> problems) {
        Recorder recorder = new Recorder(trustStore);
        long t = System.nanoTime();
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {recorder}, null);
            String sni = IpLiterals.parse(host) == null ? host : null;
            wire.startTls(context, sni, false, timeout);
        } catch (GeneralSecurityException | IOException e) {
            return PortReport.Tls.failed(mode, millisSince(t), FailureText.of(e));
        }
        long handshakeMs = millisSince(t);
        SSLSession session = wire.tlsSession();
        X509Certificate leaf = recorder.chain == null || recorder.chain.length == 0 ? null : recorder.chain[0];
        if (leaf == null) return PortReport.Tls.failed(mode, handshakeMs, "no server certificate");
        Instant now = clock.instant();
        Instant notAfter = leaf.getNotAfter().toInstant();
        long daysLeft = Math.floorDiv(Duration.between(now, notAfter).getSeconds(), 86_400);
        boolean match = CertificateNames.matches(leaf, host);
        String subject = leaf.getSubjectX500Principal().getName(X500Principal.RFC2253);
        if (now.isAfter(notAfter)) {
            problems.add("certificate expired on " + notAfter + " (" + -daysLeft + " days ago)");
        } else if (daysLeft < EXPIRY_WARNING_DAYS) {
            problems.add("certificate expires in " + daysLeft + " days (" + notAfter + ")");
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            problems.add("certificate not valid before " + leaf.getNotBefore().toInstant());
        }
        if (!match) problems.add("certificate does not name " + host + " (it names " + CertificateNames.names(leaf) + ")");
        if (recorder.trustError != null) {
            problems.add("certificate not trusted by the trust store: " + recorder.trustError);
        }
        return new PortReport.Tls(mode, session.getProtocol(), session.getCipherSuite(), subject,
                leaf.getIssuerX500Principal().getName(X500Principal.RFC2253), notAfter, daysLeft, match,
                recorder.trustError == null, recorder.trustError, handshakeMs, null);
    }

    private Reply ask(Wire wire, String line) throws IOException {
        wire.send(timeout, line);
        return wire.read(timeout);
    }

    private void quit(Wire wire) {
        try {
            wire.send(timeout, "QUIT");
            wire.read(timeout);
        } catch (IOException ignored) {
            // the connection ends either way
        }
    }

    /** "SIZE 26214400", "AUTH PLAIN LOGIN", "STARTTLS", in the server's order. */
    private static List<String> describe(Capabilities caps) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : caps.keywords().entrySet()) {
            out.add(e.getValue().isEmpty() ? e.getKey() : e.getKey() + " " + e.getValue());
        }
        return out;
    }

    private static long millisSince(long nanoStart) {
        return (System.nanoTime() - nanoStart) / 1_000_000;
    }

    /**
     * Accepts every certificate (a probe describes what it finds) and records the chain and the trust store's
     * verdict on it. Host names are checked separately by {@link CertificateNames}.
     */
    private static final class Recorder extends X509ExtendedTrustManager {
        private final X509TrustManager trustStore;
        volatile X509Certificate[] chain;
        volatile String trustError;

        Recorder(X509TrustManager trustStore) {
            this.trustStore = trustStore;
        }

        private void record(X509Certificate[] certificates, String authType) {
            chain = certificates;
            try {
                trustStore.checkServerTrusted(certificates, authType);
            } catch (CertificateException | RuntimeException e) {
                trustError = plain(e);
            }
        }

        /** The PKIX messages name JDK internals; say what they mean. */
        private static String plain(Exception e) {
            String m = FailureText.of(e);
            if (m.contains("unable to find valid certification path")) return "self-signed or issued by an unknown CA";
            if (m.contains("validity check failed") || m.contains("NotAfter")) return "the chain is expired";
            return m;
        }

        @Override public void checkServerTrusted(X509Certificate[] c, String authType, Socket s) {
            record(c, authType);
        }

        @Override public void checkServerTrusted(X509Certificate[] c, String authType, SSLEngine e) {
            record(c, authType);
        }

        @Override public void checkServerTrusted(X509Certificate[] c, String authType) {
            record(c, authType);
        }

        @Override public void checkClientTrusted(X509Certificate[] c, String authType, Socket s) throws CertificateException {
            throw new CertificateException("a probe is never a server");
        }

        @Override public void checkClientTrusted(X509Certificate[] c, String authType, SSLEngine e) throws CertificateException {
            throw new CertificateException("a probe is never a server");
        }

        @Override public void checkClientTrusted(X509Certificate[] c, String authType) throws CertificateException {
            throw new CertificateException("a probe is never a server");
        }

        @Override public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
