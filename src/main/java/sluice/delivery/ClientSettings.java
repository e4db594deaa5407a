package sluice.delivery;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How to talk to one remote host.
 *
 * @param ehloName       the name sent in EHLO/HELO
 * @param connectTimeout TCP connect limit
 * @param tls            STARTTLS use (ignored with implicitTls, which is TLS from the start)
 * @param implicitTls    TLS handshake right after connecting (port 465)
 * @param sslContext     client context; required unless tls is NONE and implicitTls is false
 * @param sniHost        name for SNI and hostname verification, or null
 * @param verifyHostname check the certificate against sniHost (needs sniHost)
 * @param credentials    AUTH credentials, or null
 * @param bindAddress    the local address the socket binds to before connecting (an egress source), or null
 */
public record ClientSettings(String ehloName, Duration connectTimeout, Timeouts timeouts, TlsMode tls,
        boolean implicitTls, SSLContext sslContext, String sniHost, boolean verifyHostname, Credentials credentials,
        InetAddress bindAddress) {

    public ClientSettings {
        Objects.requireNonNull(ehloName, "ehloName");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(tls, "tls");
        if (ehloName.isBlank() || ehloName.contains("\r") || ehloName.contains("\n") || ehloName.contains(" ")) {
            throw new IllegalArgumentException("ehloName must be one word: " + ehloName);
        }
        if ((tls != TlsMode.NONE || implicitTls) && sslContext == null) {
            throw new IllegalArgumentException("TLS mode " + tls + (implicitTls ? " (implicit)" : "") + " needs an SSLContext");
        }
        if (verifyHostname && (sniHost == null || sniHost.isBlank())) {
            throw new IllegalArgumentException("verifyHostname needs sniHost");
        }
    }

    /** Settings with no bound source address. */
    public ClientSettings(String ehloName, Duration connectTimeout, Timeouts timeouts, TlsMode tls, boolean implicitTls,
                          SSLContext sslContext, String sniHost, boolean verifyHostname, Credentials credentials) {
        this(ehloName, connectTimeout, timeouts, tls, implicitTls, sslContext, sniHost, verifyHostname, credentials, null);
    }

    /** Leaves from this source: bound to its address, saying its EHLO name. */
    public ClientSettings from(EgressSource source) {
        if (source == null) return this;
        return new ClientSettings(source.ehlo(), connectTimeout, timeouts, tls, implicitTls, sslContext, sniHost,
                verifyHostname, credentials, source.address());
    }

    /** Plaintext, RFC 5321 timeouts, 30 s connect timeout, no credentials. */
    public static ClientSettings plain(String ehloName) {
        return new ClientSettings(ehloName, Duration.ofSeconds(30), Timeouts.rfc5321(), TlsMode.NONE, false, null, null,
                false, null);
    }

    public ClientSettings withTimeouts(Duration connect, Timeouts t) {
        return new ClientSettings(ehloName, connect, t, tls, implicitTls, sslContext, sniHost, verifyHostname, credentials,
                bindAddress);
    }

    public ClientSettings withTls(TlsMode mode, SSLContext context) {
        return new ClientSettings(ehloName, connectTimeout, timeouts, mode, implicitTls, context, sniHost, verifyHostname,
                credentials, bindAddress);
    }

    public ClientSettings withImplicitTls(SSLContext context) {
        return new ClientSettings(ehloName, connectTimeout, timeouts, tls, true, context, sniHost, verifyHostname,
                credentials, bindAddress);
    }

    public ClientSettings withHostname(String sni, boolean verify) {
        return new ClientSettings(ehloName, connectTimeout, timeouts, tls, implicitTls, sslContext, sni, verify,
                credentials, bindAddress);
    }

    public ClientSettings withCredentials(Credentials c) {
        return new ClientSettings(ehloName, connectTimeout, timeouts, tls, implicitTls, sslContext, sniHost,
                verifyHostname, c, bindAddress);
    }
}
