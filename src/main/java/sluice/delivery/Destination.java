package sluice.delivery;

/**
 * Where a recipient's mail goes next. Messages waiting for the same destination share a ready queue, a
 * connection limit and, for remote ones, connections.
 */
public sealed interface Destination {
    /** The queue key, e.g. "local", "example.test", "smarthost:smtp.provider.test". */
    String key();

    /** A local domain: delivered into Maildir. */
    record Local() implements Destination {
        public String key() {
            return "local";
        }
    }

    /** A remote domain: delivered to its MX hosts. */
    record Mx(String domain) implements Destination {
        public String key() {
            return domain;
        }
    }

    /** An upstream relay provider ({@code [[delivery.smarthosts]]} entry {@code index}). */
    record Smarthost(int index, String host) implements Destination {
        public String key() {
            return "smarthost:" + host;
        }
    }
}
