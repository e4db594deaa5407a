package sluice.send;

import java.util.List;

/** What became of one send request. */
public sealed interface InjectResult {
    /** Queued durably; {@code recipients} is the number of envelope recipients. */
    record Accepted(String id, String messageId, int recipients) implements InjectResult {}

    /**
     * A batch ({@code recipients}): every item its own message, queued durably, or refused for that recipient alone
     * (a suppressed or unknown address); the batch as a whole was valid, or nothing would have been queued.
     */
    record Batch(List<Item> items) implements InjectResult {
        public Batch {
            items = List.copyOf(items);
        }

        public long queued() {
            return items.stream().filter(i -> i.id() != null).count();
        }
    }

    /** One recipient of a batch: {@code id} and {@code messageId} when queued, else {@code error}. */
    record Item(int index, String to, String id, String messageId, String error) {}

    /**
     * Not queued: {@code status} is the HTTP status (400, 401, 403, 413, 429, 503), {@code error} says why,
     * {@code errors} names the members at fault (a 400), {@code retryAfterSeconds} is for a 429 or 503 (0: none).
     */
    record Refused(int status, String error, List<FieldError> errors, long retryAfterSeconds) implements InjectResult {
        public Refused {
            errors = List.copyOf(errors);
        }

        public Refused(int status, String error) {
            this(status, error, List.of(), 0);
        }
    }
}
