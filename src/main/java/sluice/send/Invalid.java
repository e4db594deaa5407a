package sluice.send;

/** A request that cannot be sent as it is; {@code status} is the HTTP status that says why (400, 403, 413). */
public final class Invalid extends Exception {
    final int status;

    public int status() {
        return status;
    }

    Invalid(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    static Invalid field(String field, String problem) {
        return new Invalid(400, "\"" + field + "\": " + problem);
    }
}
