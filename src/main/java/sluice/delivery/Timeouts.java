package sluice.delivery;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the client waits for each step.
 *
 * @param greeting  the 220 greeting after connecting
 * @param command   replies to EHLO, STARTTLS, AUTH, MAIL, RCPT, RSET, QUIT (and the TLS handshake)
 * @param dataInit  the 354 after DATA
 * @param dataBlock each block of message data written
 * @param dataTerm  the reply after the final "."
 */
public record Timeouts(Duration greeting, Duration command, Duration dataInit, Duration dataBlock, Duration dataTerm) {
    public Timeouts {
        Objects.requireNonNull(greeting, "greeting");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(dataInit, "dataInit");
        Objects.requireNonNull(dataBlock, "dataBlock");
        Objects.requireNonNull(dataTerm, "dataTerm");
    }

    /** RFC 5321 section 4.5.3.2: 5 min, 5 min, 2 min, 3 min, 10 min. */
    public static Timeouts rfc5321() {
        return new Timeouts(Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(2),
                Duration.ofMinutes(3), Duration.ofMinutes(10));
    }

    /** The same duration for every step (tests, probes). */
    public static Timeouts uniform(Duration d) {
        return new Timeouts(d, d, d, d, d);
    }
}
