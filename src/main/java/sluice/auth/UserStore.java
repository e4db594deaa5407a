package sluice.auth;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Submission users with Argon2id password hashes, in a file in the data dir. */
public final class UserStore {

    /** Opens the store in {@code dataDir} (the file need not exist yet). */
    public static UserStore open(Path dataDir) {
        throw new IllegalStateException("auth: stub");
    }

    /** The user if the password matches; picks up changes made by `sluice user add` while running. */
    public Optional<User> authenticate(String name, byte[] password) {
        throw new IllegalStateException("auth: stub");
    }

    /** Adds or updates a user (atomic file replace). */
    public void put(String name, byte[] password, List<String> maySendAs) throws java.io.IOException {
        throw new IllegalStateException("auth: stub");
    }

    public boolean remove(String name) throws java.io.IOException {
        throw new IllegalStateException("auth: stub");
    }

    public List<User> list() {
        throw new IllegalStateException("auth: stub");
    }
}
