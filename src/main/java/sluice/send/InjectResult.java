package sluice.send;

/** What became of one send request. */
public sealed interface InjectResult {
    /** Queued durably; {@code recipients} is the number of envelope recipients. */
    record Accepted(String id, String messageId, int recipients) implements InjectResult {}

    /** Not queued: {@code status} is the HTTP status (400, 401, 403, 413, 429, 503), {@code error} says why. */
    record Refused(int status, String error) implements InjectResult {}
}
