package sluice.config;

/** What a listening port is for. */
public enum ListenerMode {
    /** Port 25: server-to-server; receives for local domains, relays only for trusted networks or AUTH. */
    MX("mx"),
    /** Ports 587 and 2525: plaintext greeting, STARTTLS, then AUTH before any mail. */
    SUBMISSION("submission"),
    /** Port 465: TLS from the first byte (RFC 8314), then as submission. */
    SUBMISSIONS("submissions");

    private final String key;

    ListenerMode(String key) {
        this.key = key;
    }

    /** The name used in the config file and in logs. */
    public String key() {
        return key;
    }

    public boolean isSubmission() {
        return this != MX;
    }

    public static ListenerMode fromKey(String key) {
        for (ListenerMode m : values()) {
            if (m.key.equals(key)) return m;
        }
        return null;
    }
}
