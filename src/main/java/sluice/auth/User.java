package sluice.auth;

import java.util.List;

/**
 * A submission user.
 *
 * @param maySendAs patterns: "user@domain", "@domain" or "*"
 */
public record User(String name, List<String> maySendAs) {
    public User {
        maySendAs = List.copyOf(maySendAs);
    }

    /** Whether this user may use {@code address} as the envelope sender (case-insensitive domain). */
    public boolean maySendAs(String address) {
        throw new IllegalStateException("auth: stub");
    }
}
