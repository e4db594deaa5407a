package sluice.delivery;

import sluice.smtp.Reply;

/** The host could not be used at all (before any transaction). Messages never contain credentials. */
public final class ClientFailure extends Exception {
    public enum Stage { CONNECT, GREETING, EHLO, STARTTLS, TLS_HANDSHAKE, AUTH }

    public enum Kind {
        /** Connection refused. */
        REFUSED,
        TIMEOUT,
        /** Reset, closed, unreachable, or a malformed reply. */
        IO,
        /** A 4xx reply. */
        TEMPORARY,
        /** A 5xx reply. */
        PERMANENT,
        /** The TLS handshake failed. */
        TLS,
        /** TLS is required but STARTTLS was not offered. */
        TLS_UNAVAILABLE,
        /** Credentials are set but no usable AUTH mechanism was offered, or the session is not TLS. */
        AUTH_UNAVAILABLE
    }

    private final Stage stage;
    private final Kind kind;
    private final transient Reply reply;

    ClientFailure(Stage stage, Kind kind, Reply reply, String detail, Throwable cause) {
        super(stage + " " + kind + ": " + detail, cause);
        this.stage = stage;
        this.kind = kind;
        this.reply = reply;
    }

    static ClientFailure ofReply(Stage stage, Reply reply) {
        Kind kind = reply.code() >= 500 ? Kind.PERMANENT : Kind.TEMPORARY;
        return new ClientFailure(stage, kind, reply, reply.summary(), null);
    }

    public Stage stage() {
        return stage;
    }

    public Kind kind() {
        return kind;
    }

    /** The remote's reply that caused it, or null. */
    public Reply reply() {
        return reply;
    }
}
