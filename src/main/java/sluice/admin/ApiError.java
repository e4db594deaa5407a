package sluice.admin;

/** An answer other than success: the HTTP status and the text of the JSON {@code {"error": ...}} the client gets. */
final class ApiError extends RuntimeException {
    final int status;

    ApiError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }
}
