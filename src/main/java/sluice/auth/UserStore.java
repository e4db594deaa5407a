package sluice.auth;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import sluice.smtp.Addresses;

/**
 * Submission users with Argon2id password hashes, in {@code <dataDir>/users.json} (mode 0600).
 *
 * <p>Names: non-empty, at most 255 characters, no whitespace or control characters. Names are stored and
 * compared in {@link Addresses#canonical} form (lower-cased, domain and local part alike), the form the
 * local-recipient lookup, aliases, may-send-as and Maildir use too: {@code Carol@Example.COM} and
 * {@code carol@example.com} are one user, who can log in with either and receives mail for either. A users.json
 * written before names were lower-cased is read in that form.
 *
 * <p>The server and `sluice user add` may run at once: writes take a lock file
 * ({@code users.lock}) and replace users.json atomically, and readers re-check the file's
 * mtime, size and inode at most once per second.
 *
 * <p>A damaged users.json is never read as an empty store: {@link #open} fails, and if the file
 * gets damaged while running, {@link #authenticate} and {@link #list} throw
 * {@link IllegalStateException} (naming the file) until it is repaired; {@link #put} and
 * {@link #remove} refuse to overwrite it.
 *
 * <p>Callers own the password arrays they pass in and should zero them after the call.
 */
public final class UserStore {

    static final int MAX_NAME_LENGTH = 255;
    private static final Duration RECHECK = Duration.ofSeconds(1);

    // A hash of 32 random bytes nobody kept, with the default costs: unknown names are verified
    // against it so that the reply time does not tell which names exist.
    private static final String DUMMY_HASH =
            "$argon2id$v=19$m=19456,t=2,p=1$MHJ1MnVFUG14bjROajlkWQ$jnz8Zg3XmRj9nKwIT2MN1GEcAWg79P/TazrsFZZYz7Q";

    // File locks are per process, so writers within one JVM (several stores on one directory)
    // queue here first. Writes are rare; one lock for all directories is enough.
    private static final ReentrantLock WRITE_LOCK = new ReentrantLock();

    /** The users as last read, or the reason the file could not be read. */
    private record Snapshot(SortedMap<String, UsersFile.Entry> users, UsersFile.Stamp stamp, String error) {}

    private final UsersFile file;
    private final Clock clock;
    private final PasswordHash hasher;
    private final ReentrantLock reloadLock = new ReentrantLock();
    private final SecureRandom random = new SecureRandom();
    private volatile Snapshot snapshot;
    private volatile Instant checkedAt;

    private UserStore(UsersFile file, Clock clock, PasswordHash hasher) {
        this.file = file;
        this.clock = clock;
        this.hasher = hasher;
        this.checkedAt = clock.instant();
        this.snapshot = load();
        throwIfBroken(snapshot);
    }

    /**
     * Opens the store in {@code dataDir} (the file need not exist yet).
     *
     * @throws IllegalStateException if users.json exists but cannot be read or is damaged
     */
    public static UserStore open(Path dataDir) {
        return open(dataDir, Clock.systemUTC(), new PasswordHash(new SecureRandom()));
    }

    static UserStore open(Path dataDir, Clock clock, PasswordHash hasher) {
        return new UserStore(new UsersFile(dataDir), clock, hasher);
    }

    /**
     * The user if the password matches; picks up changes made by `sluice user add` while running.
     * Costs one Argon2id verification whether or not the user exists.
     *
     * @throws IllegalStateException if users.json is damaged (answer AUTH with a temporary failure)
     */
    public Optional<User> authenticate(String name, byte[] password) {
        Objects.requireNonNull(password, "password");
        // Always look at the file: a stat is nothing next to the hash, and a user just added must work at once.
        SortedMap<String, UsersFile.Entry> users = current(true);
        String key = validName(name) ? canonicalName(name) : null;
        UsersFile.Entry entry = key == null ? null : users.get(key);
        if (entry == null) {
            PasswordHash.verify(DUMMY_HASH, password);
            return Optional.empty();
        }
        return PasswordHash.verify(entry.hash(), password)
                ? Optional.of(new User(key, entry.maySendAs()))
                : Optional.empty();
    }

    /**
     * Adds or updates a user (atomic file replace). An empty {@code maySendAs} means the name
     * itself when the name is an address, and otherwise nothing: such a user may then send only
     * with the null sender until patterns are given.
     *
     * @throws IllegalArgumentException for an invalid name or pattern, or an empty password
     */
    public void put(String name, byte[] password, List<String> maySendAs) throws java.io.IOException {
        String key = canonicalName(name);
        if (password.length == 0) {
            throw new IllegalArgumentException("password must not be empty");
        }
        List<String> patterns = new ArrayList<>();
        for (String p : maySendAs) {
            patterns.add(checkPattern(p));
        }
        if (patterns.isEmpty() && key.indexOf('@') >= 0) {
            patterns.add(key);
        }
        // Hash before taking the lock: it is the slow part.
        String hash = hasher.hash(password);
        // A new password keeps the user's API keys: they are revoked only on purpose.
        update(users -> users.compute(key, (k, old) -> new UsersFile.Entry(hash, patterns,
                old == null ? List.of() : old.apiKeys())));
    }

    /**
     * Makes a new API key for an existing user and returns it: the only time it is seen, since only its hash is
     * stored.
     *
     * @throws IllegalArgumentException when there is no such user
     */
    public String createApiKey(String name) throws java.io.IOException {
        String key = ApiKey.generate(random);
        String hash = ApiKey.hash(key);
        String user = existing(name);
        update(users -> {
            UsersFile.Entry e = users.get(user);
            if (e == null) throw new IllegalArgumentException("no such user: " + name);
            List<UsersFile.StoredKey> keys = new ArrayList<>(e.apiKeys());
            keys.add(new UsersFile.StoredKey(ApiKey.idOf(hash), hash, clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
            users.put(user, e.withKeys(keys));
        });
        return key;
    }

    /**
     * Revokes a user's API keys: the one with {@code id}, or all when {@code id} is null. Returns how many went.
     *
     * @throws IllegalArgumentException when there is no such user
     */
    public int revokeApiKeys(String name, String id) throws java.io.IOException {
        String user = existing(name);
        int[] removed = {0};
        update(users -> {
            UsersFile.Entry e = users.get(user);
            if (e == null) throw new IllegalArgumentException("no such user: " + name);
            List<UsersFile.StoredKey> kept = e.apiKeys().stream().filter(k -> id != null && !k.id().equals(id)).toList();
            removed[0] = e.apiKeys().size() - kept.size();
            users.put(user, e.withKeys(kept));
        });
        return removed[0];
    }

    /** A user's API keys (ids and creation times; the keys themselves are not kept). */
    public List<ApiKey> apiKeys(String name) {
        if (!validName(name)) return List.of();
        UsersFile.Entry e = current().get(canonicalName(name));
        return e == null ? List.of() : e.apiKeys().stream().map(UsersFile.StoredKey::shown).toList();
    }

    /**
     * The user who owns {@code key}; sees keys made or revoked by `sluice user apikey` at once (the file is checked
     * on every call, a stat). Every stored hash is compared, each in constant time.
     *
     * @throws IllegalStateException if users.json is damaged
     */
    public Optional<User> authenticateKey(String key) {
        if (key == null || !key.startsWith(ApiKey.PREFIX) || key.length() > 100) return Optional.empty();
        String presented = ApiKey.hash(key);
        User found = null;
        for (var e : current(true).entrySet()) {
            for (UsersFile.StoredKey k : e.getValue().apiKeys()) {
                if (ApiKey.matches(k.sha256(), presented) && found == null) found = new User(e.getKey(), e.getValue().maySendAs());
            }
        }
        return Optional.ofNullable(found);
    }

    private String existing(String name) {
        if (!validName(name) || !current(true).containsKey(canonicalName(name))) {
            throw new IllegalArgumentException("no such user: " + name + " (add it first with sluice user add)");
        }
        return canonicalName(name);
    }

    /** Removes a user; false if there was none (an invalid name is never a user). */
    public boolean remove(String name) throws java.io.IOException {
        if (!validName(name)) {
            return false;
        }
        String key = canonicalName(name);
        boolean[] removed = {false};
        update(users -> removed[0] = users.remove(key) != null);
        return removed[0];
    }

    /** The user by name without a password check (the may-send-as rules of an authenticated session). */
    public Optional<User> find(String name) {
        if (!validName(name)) return Optional.empty();
        String key = canonicalName(name);
        UsersFile.Entry entry = current().get(key);
        return entry == null ? Optional.empty() : Optional.of(new User(key, entry.maySendAs()));
    }

    /** All users, sorted by name. */
    public List<User> list() {
        List<User> users = new ArrayList<>();
        current().forEach((name, entry) -> users.add(new User(name, entry.maySendAs())));
        return users;
    }

    /** The path of users.json, for messages. */
    public Path path() {
        return file.path();
    }

    /**
     * Validates a user name and returns the form it is stored under.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    static String canonicalName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("user name must not be empty");
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("user name must be at most " + MAX_NAME_LENGTH + " characters");
        }
        if (name.codePoints().anyMatch(UserStore::isSpaceOrControl)) {
            throw new IllegalArgumentException("user name must not contain whitespace or control characters");
        }
        return Addresses.canonical(name);
    }

    /**
     * Checks a may-send-as pattern: {@code user@domain}, {@code @domain} or {@code *}.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    static String checkPattern(String pattern) {
        int at = pattern.lastIndexOf('@');
        boolean ok = pattern.equals("*")
                || (at >= 0 && at < pattern.length() - 1 && pattern.length() <= MAX_NAME_LENGTH
                        && pattern.codePoints().noneMatch(UserStore::isSpaceOrControl));
        if (!ok) {
            throw new IllegalArgumentException(
                    "may-send-as pattern \"" + printable(pattern) + "\" must be user@domain, @domain or *");
        }
        return pattern;
    }

    private static boolean validName(String name) {
        try {
            canonicalName(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean isSpaceOrControl(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || Character.isISOControl(c)
                || Character.getType(c) == Character.FORMAT;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(64).forEach(c -> {
            if (isSpaceOrControl(c) && c != ' ') {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }

    /** Re-reads the users file now if it changed (a reload asks; sessions would see it within a second anyway). */
    public int refresh() {
        return current(true).size();
    }

    /** The users, re-read if the file changed and the last check is a second old. */
    private SortedMap<String, UsersFile.Entry> current() {
        return current(false);
    }

    private SortedMap<String, UsersFile.Entry> current(boolean force) {
        Instant now = clock.instant();
        Instant last = checkedAt;
        // A clock stepped backwards counts as due, so a wrong clock cannot freeze the store.
        boolean due = force || now.isBefore(last) || !now.isBefore(last.plus(RECHECK));
        // tryLock: if another thread is already checking, its result is as fresh as ours would be. A forced check
        // (an API key) waits for that result instead: read before it lands, a key made a moment ago was "wrong" for
        // all but one of a burst of concurrent requests, and each such refusal counts toward the lockout.
        if (due && (force ? lock() : reloadLock.tryLock())) {
            try {
                checkedAt = now;
                if (changed(snapshot)) {
                    snapshot = load();
                }
            } finally {
                reloadLock.unlock();
            }
        }
        Snapshot s = snapshot;
        throwIfBroken(s);
        return s.users();
    }

    private boolean lock() {
        reloadLock.lock();
        return true;
    }

    private boolean changed(Snapshot s) {
        try {
            return !Objects.equals(file.stamp(), s.stamp());
        } catch (IOException e) {
            return true;
        }
    }

    private Snapshot load() {
        UsersFile.Stamp stamp = null;
        try {
            // Stamp first: if the file changes while we read, the next check sees a new stamp.
            stamp = file.stamp();
            return new Snapshot(file.read(), stamp, null);
        } catch (IOException e) {
            String message = e.getMessage() != null && e.getMessage().contains(file.path().toString())
                    ? e.getMessage()
                    : "cannot read " + file.path() + ": " + e;
            return new Snapshot(new TreeMap<>(), stamp, message);
        }
    }

    private static void throwIfBroken(Snapshot s) {
        if (s.error() != null) {
            throw new IllegalStateException(s.error());
        }
    }

    /** Read-modify-write under both locks, from the file itself so no concurrent change is lost. */
    private void update(Consumer<SortedMap<String, UsersFile.Entry>> change) throws IOException {
        WRITE_LOCK.lock();
        try (FileChannel lock = file.lock()) {
            SortedMap<String, UsersFile.Entry> users = file.read();
            change.accept(users);
            file.write(users);
            snapshot = new Snapshot(users, file.stamp(), null);
            checkedAt = clock.instant();
        } finally {
            WRITE_LOCK.unlock();
        }
    }
}
