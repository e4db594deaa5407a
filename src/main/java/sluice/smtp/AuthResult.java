package sluice.smtp;

/** What checking a user's credentials gave. */
public sealed interface AuthResult {
    record Success(String user) implements AuthResult {}

    record Failure() implements AuthResult {}

    /** The credentials could not be checked now (e.g. the user file is damaged): 454 4.7.0. */
    record Unavailable() implements AuthResult {}

    /** Too many failures from this client; it must wait (454 4.7.0). */
    record LockedOut() implements AuthResult {}
}
