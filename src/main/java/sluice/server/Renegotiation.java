package sluice.server;

/**
 * TLS 1.2 renegotiation as the JDK does it, decided once per process. A client-initiated renegotiation
 * makes the server do a full handshake on the client's say-so (a cheap CPU exhaustion attack; testssl.sh
 * rates it MEDIUM) and nothing a mail client needs, so every listener refuses it with a fatal
 * handshake_failure alert. TLS 1.3 has no renegotiation.
 *
 * <p>JSSE reads {@code jdk.tls.rejectClientInitiatedRenegotiation} once, when its server handshake class
 * initialises, and has no per-socket switch: so this runs first thing in {@code main}, before any TLS class
 * loads. {@link TlsContexts} calls it too, for a server embedded in another program (it then takes effect
 * only if no server handshake happened before).
 *
 * <p>Outbound, a remote server may still renegotiate (HelloRequest): the JDK client follows only the
 * secure renegotiation of RFC 5746 and refuses the unsafe kind ({@code sun.security.ssl.allowUnsafeRenegotiation}
 * stays false) and never a change of the server's certificate ({@code jdk.tls.allowUnsafeServerCertChange}
 * stays false); checked against openssl s_server's "r": two handshakes, then the data. Refusing it would break
 * delivery to the few servers that renegotiate and protect nothing: the cost falls on the remote.
 */
public final class Renegotiation {
    static final String REJECT_CLIENT_INITIATED = "jdk.tls.rejectClientInitiatedRenegotiation";

    private Renegotiation() {}

    public static void refuseClientInitiated() {
        System.setProperty(REJECT_CLIENT_INITIATED, "true");
    }
}
