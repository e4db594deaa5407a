package sluice.send;

import java.util.List;

/**
 * A request that cannot be sent as it is; {@code status} is the HTTP status that says why (400, 403, 413, 429), and
 * {@code errors} lists the members at fault when it is a 400 about the request's fields (empty otherwise).
 */
public final class Invalid extends Exception {
    final int status;
    final List<FieldError> errors;
    /** For a 429: when to try again (the Retry-After header); 0 otherwise. */
    final long retryAfterSeconds;

    public int status() {
        return status;
    }

    Invalid(int status, String message) {
        this(status, message, List.of());
    }

    private Invalid(int status, String message, List<FieldError> errors) {
        this(status, message, errors, 0);
    }

    private Invalid(int status, String message, List<FieldError> errors, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.errors = List.copyOf(errors);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static Invalid rateLimited(String message, long retryAfterSeconds) {
        return new Invalid(429, message, List.of(), retryAfterSeconds);
    }

    static Invalid field(String field, String problem) {
        return fields(List.of(new FieldError(field, problem)));
    }

    /** A 400 for all of {@code errors} (at least one): the text is the first's, and says how many more there are. */
    static Invalid fields(List<FieldError> errors) {
        FieldError first = errors.getFirst();
        String more = errors.size() == 1 ? "" : " (and " + (errors.size() - 1) + " more problem"
                + (errors.size() == 2 ? "" : "s") + ", listed in \"errors\")";
        return new Invalid(400, "\"" + first.field() + "\": " + first.message() + more, errors);
    }
}
