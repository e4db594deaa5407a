package sluice.spool;

import java.io.IOException;

/** Storage failed; the message (or change) was not made durable. */
public final class SpoolException extends IOException {
    public SpoolException(String message, Throwable cause) {
        super(message, cause);
    }

    public SpoolException(String message) {
        super(message);
    }
}
