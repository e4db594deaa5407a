package sluice.delivery;

import java.util.Objects;

/** AUTH credentials for a smarthost; only ever sent over TLS. */
public record Credentials(String username, String password) {
    public Credentials {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "Credentials[username=" + username + ", password=***]";
    }
}
