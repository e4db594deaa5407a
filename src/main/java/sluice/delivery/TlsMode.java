package sluice.delivery;

/** Whether the client uses STARTTLS. */
public enum TlsMode {
    /** Never, even when offered. */
    NONE,
    /** When offered; a refused STARTTLS continues in plaintext, a failed handshake is the caller's to retry. */
    OPPORTUNISTIC,
    /** The host is unusable without it. */
    REQUIRED
}
