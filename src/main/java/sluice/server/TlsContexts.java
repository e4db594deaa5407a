package sluice.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.config.TlsConfig;

/** The server's TLS context: PEM files or a generated self-signed certificate, reloaded when files change. */
public final class TlsContexts {
    private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);

    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    static {
        Renegotiation.refuseClientInitiated(); // main did it already; this covers an embedded server
    }

    // Server preference order. TLS 1.2 only with forward secrecy (ECDHE) and AEAD; nothing else is offered.
    private static final List<String> CIPHER_ALLOW_LIST = List.of(
            "TLS_AES_256_GCM_SHA384",
            "TLS_AES_128_GCM_SHA256",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /**
     * What {@link #current()} serves, replaced as a whole.
     *
     * @param stamp the files' state when last looked at (null for the self-signed certificate)
     * @param checkedAt when the files were last looked at
     */
    private record Snapshot(SSLContext context, TlsIdentity identity, FileStamp stamp, Instant checkedAt) {
        Snapshot checked(Instant at, FileStamp seen) {
            return new Snapshot(context, identity, seen, at);
        }
    }

    /** Enough of a file's metadata to notice a replacement: inode (rename), mtime and size (rewrite). */
    private record FileStamp(List<Object> parts) {}

    private final TlsConfig config;
    private final Path dataDir;
    private final String hostname;
    private final Clock clock;
    private final Duration reloadInterval;
    private final String[] cipherSuites;
    private final AtomicReference<Snapshot> snapshot;

    /** Loads the configured certificate, or generates/reuses a self-signed one in {@code dataDir}. */
    public static TlsContexts load(TlsConfig config, Path dataDir, String hostname) throws TlsSetupException {
        return new TlsContexts(config, dataDir, hostname, Clock.systemUTC());
    }

    /** As {@link #load}, with the clock that decides reload checks and certificate expiry. */
    TlsContexts(TlsConfig config, Path dataDir, String hostname, Clock clock) throws TlsSetupException {
        if ((config.certFile() == null) != (config.keyFile() == null)) {
            // Only one of the two: almost certainly a config mistake, so refuse rather than quietly self-sign.
            throw new TlsSetupException("TLS: cert_file and key_file must be set together (only "
                    + (config.certFile() != null ? "cert_file " + config.certFile() : "key_file " + config.keyFile())
                    + " is set)");
        }
        this.config = config;
        this.dataDir = dataDir;
        this.hostname = hostname == null || hostname.isBlank() ? "localhost" : hostname;
        this.clock = clock;
        Duration interval = config.reloadInterval();
        // A missing or non-positive interval turns reloading off; current() then never touches the disk.
        this.reloadInterval = interval == null || interval.isZero() || interval.isNegative() ? null : interval;
        FileStamp stamp = config.selfSigned() ? null : stamp();
        TlsIdentity identity = loadIdentity();
        SSLContext context = newContext(identity);
        this.cipherSuites = allowedCipherSuites(context);
        this.snapshot = new AtomicReference<>(new Snapshot(context, identity, stamp, clock.instant()));
    }

    /** The certificate served now, as an operator reads it: subject, expiry and the start of its SHA-256 fingerprint. */
    public String certificateSummary() {
        var leaf = snapshot.get().identity().leaf();
        String fingerprint;
        try {
            fingerprint = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(leaf.getEncoded()), 0, 8);
        } catch (java.security.GeneralSecurityException e) {
            fingerprint = "?";
        }
        return leaf.getSubjectX500Principal().getName() + ", valid until " + leaf.getNotAfter().toInstant()
                + ", sha256 " + fingerprint + "…";
    }

    /** The current context; reloads it first if the files changed (checked at most every reload interval). */
    public SSLContext current() {
        Snapshot seen = snapshot.get();
        if (reloadInterval == null) return seen.context();
        Instant now = clock.instant();
        if (now.isBefore(seen.checkedAt().plus(reloadInterval))) return seen.context();
        // Claim this interval's check; a thread that loses the race serves what is there.
        Snapshot claimed = seen.checked(now, seen.stamp());
        if (!snapshot.compareAndSet(seen, claimed)) return snapshot.get().context();
        try {
            return refresh(claimed, now).context();
        } catch (RuntimeException e) {
            log.warn("TLS reload check failed, keeping the previous certificate: {}", e.toString());
            return claimed.context();
        }
    }

    /** TLS 1.2 and 1.3 only, strong ciphers, server cipher order. */
    public SSLParameters serverParameters() {
        SSLParameters parameters = new SSLParameters(cipherSuites.clone(), PROTOCOLS.clone());
        parameters.setUseCipherSuitesOrder(true);
        parameters.setNeedClientAuth(false); // also clears "want": mail clients have no certificates to offer
        return parameters;
    }

    /**
     * Layers server-mode TLS over an accepted connection (STARTTLS, or implicit TLS on 465). The caller sets
     * its timeout and calls {@link SSLSocket#startHandshake()}; closing the result closes {@code plain}.
     */
    public SSLSocket wrapServer(Socket plain) throws IOException {
        InetAddress peer = plain.getInetAddress();
        if (peer == null) throw new SocketException("cannot start TLS on an unconnected socket");
        // The literal address as the peer host name: passing null or a name could trigger a reverse lookup.
        SSLSocket tls = (SSLSocket) current().getSocketFactory()
                .createSocket(plain, peer.getHostAddress(), plain.getPort(), true);
        tls.setUseClientMode(false);
        tls.setSSLParameters(serverParameters());
        return tls;
    }

    /** "TLSv1.3 TLS_AES_256_GCM_SHA384", for Received headers and logs. */
    public static String describe(SSLSession session) {
        return session.getProtocol() + " " + session.getCipherSuite();
    }

    /** The certificate and key being served now (for status pages and tests). */
    TlsIdentity identity() {
        return snapshot.get().identity();
    }

    private Snapshot refresh(Snapshot claimed, Instant now) {
        if (config.selfSigned()) {
            // Nobody replaces the self-signed files; the only change is that it runs out after a year of uptime.
            if (now.isBefore(claimed.identity().leaf().getNotAfter().toInstant())) return claimed;
        } else {
            FileStamp current = stamp();
            if (current.equals(claimed.stamp())) return claimed;
            // Recorded even if loading fails, so broken files cost one warning, not one per interval.
            Snapshot checked = claimed.checked(now, current);
            snapshot.compareAndSet(claimed, checked);
            claimed = checked;
        }
        try {
            TlsIdentity identity = loadIdentity();
            Snapshot next = new Snapshot(newContext(identity), identity, claimed.stamp(), now);
            if (snapshot.compareAndSet(claimed, next)) {
                log.info("TLS certificate reloaded: {}, valid until {}",
                        identity.leaf().getSubjectX500Principal().getName(), identity.leaf().getNotAfter().toInstant());
            }
            return next;
        } catch (TlsSetupException e) {
            log.warn("TLS reload failed, keeping the previous certificate: {}", e.getMessage());
            return claimed;
        }
    }

    private TlsIdentity loadIdentity() throws TlsSetupException {
        if (config.selfSigned()) return SelfSignedCertificate.obtain(dataDir, hostname, clock);
        TlsIdentity identity = PemFiles.read(config.certFile(), config.keyFile());
        Instant notAfter = identity.leaf().getNotAfter().toInstant();
        if (!clock.instant().isBefore(notAfter)) {
            // Served anyway: refusing to start would also take down plain SMTP, and many senders do not verify.
            log.warn("TLS certificate {} expired on {}", config.certFile(), notAfter);
        }
        return identity;
    }

    private static SSLContext newContext(TlsIdentity identity) throws TlsSetupException {
        try {
            return identity.newContext();
        } catch (GeneralSecurityException e) {
            throw new TlsSetupException("TLS: cannot build a context for "
                    + identity.leaf().getSubjectX500Principal().getName() + " (" + e.getMessage() + ")", e);
        }
    }

    private FileStamp stamp() {
        return new FileStamp(List.of(fileState(config.certFile()), fileState(config.keyFile())));
    }

    private static Object fileState(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class); // follows symlinks
            return Arrays.asList(a.fileKey(), a.lastModifiedTime(), a.size());
        } catch (IOException e) {
            return e.getClass().getSimpleName(); // missing now: a later reappearance is a change
        }
    }

    private static String[] allowedCipherSuites(SSLContext context) {
        Set<String> supported = Set.of(context.getSupportedSSLParameters().getCipherSuites());
        return CIPHER_ALLOW_LIST.stream().filter(supported::contains).toArray(String[]::new);
    }
}
