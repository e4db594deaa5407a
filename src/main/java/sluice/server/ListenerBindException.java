package sluice.server;

/** A listener could not be bound; the message is the one line the operator sees. */
public final class ListenerBindException extends Exception {
    public ListenerBindException(String message) {
        super(message);
    }
}
