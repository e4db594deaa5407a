package sluice.server;

import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import sluice.config.TlsConfig;

/** The server's TLS context: PEM files or a generated self-signed certificate, reloaded when files change. */
public final class TlsContexts {

    /** Loads the configured certificate, or generates/reuses a self-signed one in {@code dataDir}. */
    public static TlsContexts load(TlsConfig config, Path dataDir, String hostname) throws TlsSetupException {
        throw new IllegalStateException("tls: stub");
    }

    /** The current context; reloads it first if the files changed (checked at most every reload interval). */
    public SSLContext current() {
        throw new IllegalStateException("tls: stub");
    }

    /** Wraps an accepted socket for a server-side handshake (STARTTLS or implicit TLS). */
    public javax.net.ssl.SSLSocket wrapServer(java.net.Socket plain) throws java.io.IOException {
        throw new IllegalStateException("tls: stub");
    }

    /** TLS 1.2 and 1.3 only, strong ciphers, server cipher order. */
    public SSLParameters serverParameters() {
        throw new IllegalStateException("tls: stub");
    }
}
