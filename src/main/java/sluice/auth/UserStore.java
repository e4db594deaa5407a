package sluice.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Submission users with Argon2id password hashes in {@code DATA/users.json} (mode 0600). Writes replace the
 * file atomically; a running server notices changes made by `sluice user add` at the next AUTH.
 */
public final class UserStore {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Entry(String hash, List<String> maySendAs) {}

    private record Snapshot(Map<String, Entry> users, FileTime modified, long size) {}

    private final Path file;
    private volatile Snapshot snapshot;

    private UserStore(Path file) {
        this.file = file;
    }

    /** Opens the store in {@code dataDir} (the file need not exist yet). */
    public static UserStore open(Path dataDir) {
        return new UserStore(dataDir.resolve("users.json"));
    }

    /** User names are compared with the domain part lower-cased: Alice@Example.test is alice's Alice@example.test. */
    static String normalize(String name) {
        int at = name.lastIndexOf('@');
        return at < 0 ? name : name.substring(0, at) + name.substring(at).toLowerCase(Locale.ROOT);
    }

    /** The user if the password matches; picks up changes made by `sluice user add` while running. */
    public Optional<User> authenticate(String name, byte[] password) {
        Entry e = current().users().get(normalize(name));
        if (e == null) {
            PasswordHash.verify(PasswordHash.DUMMY, password); // same cost as a real check
            return Optional.empty();
        }
        return PasswordHash.verify(e.hash(), password) ? Optional.of(new User(normalize(name), e.maySendAs())) : Optional.empty();
    }

    /** The user by name, without a password check (e.g. the may-send-as rules of an authenticated session). */
    public Optional<User> find(String name) {
        Entry e = current().users().get(normalize(name));
        return e == null ? Optional.empty() : Optional.of(new User(normalize(name), e.maySendAs()));
    }

    /** Adds or updates a user (atomic file replace). An address name may send as itself by default. */
    public synchronized void put(String name, byte[] password, List<String> maySendAs) throws IOException {
        validate(name);
        List<String> rules = maySendAs.isEmpty() && name.contains("@") ? List.of(normalize(name)) : List.copyOf(maySendAs);
        for (String r : rules) {
            if (!(r.equals("*") || r.matches("[^@\\s]*@[^@\\s]+"))) {
                throw new IllegalArgumentException("may-send-as pattern must be user@domain, @domain or *: " + r);
            }
        }
        Map<String, Entry> users = new TreeMap<>(read());
        users.put(normalize(name), new Entry(PasswordHash.hash(password), rules));
        write(users);
    }

    public synchronized boolean remove(String name) throws IOException {
        Map<String, Entry> users = new TreeMap<>(read());
        if (users.remove(normalize(name)) == null) return false;
        write(users);
        return true;
    }

    public List<User> list() {
        List<User> out = new ArrayList<>();
        current().users().forEach((n, e) -> out.add(new User(n, e.maySendAs())));
        out.sort(Comparator.comparing(User::name));
        return out;
    }

    private static void validate(String name) {
        if (name == null || name.isEmpty() || name.length() > 255) {
            throw new IllegalArgumentException("user name must be 1 to 255 characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw new IllegalArgumentException("user name must not contain spaces or control characters");
            }
        }
    }

    /** The users as the file holds them now: one stat per call (cheap next to a hash), a re-read on change. */
    private Snapshot current() {
        Snapshot s = snapshot;
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            if (s != null && modified.equals(s.modified()) && size == s.size()) return s;
            s = new Snapshot(read(), modified, size);
        } catch (NoSuchFileException e) {
            s = new Snapshot(Map.of(), null, -1);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read users from " + file + ": " + e.getMessage(), e);
        }
        snapshot = s;
        return s;
    }

    private Map<String, Entry> read() throws IOException {
        if (!Files.exists(file)) return Map.of();
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new IOException(file + " must hold a JSON object of users");
        Map<String, Entry> users = new TreeMap<>();
        for (var it = root.fields(); it.hasNext(); ) {
            var f = it.next();
            JsonNode hash = f.getValue().get("hash");
            if (hash == null || !hash.isTextual()) throw new IOException(file + ": user " + f.getKey() + " has no hash");
            List<String> rules = new ArrayList<>();
            f.getValue().path("may_send_as").forEach(r -> rules.add(r.asText()));
            users.put(f.getKey(), new Entry(hash.asText(), rules));
        }
        return users;
    }

    private void write(Map<String, Entry> users) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        users.forEach((n, e) -> {
            ObjectNode u = root.putObject(n);
            u.put("hash", e.hash());
            e.maySendAs().forEach(u.putArray("may_send_as")::add);
            if (e.maySendAs().isEmpty()) u.putArray("may_send_as");
        });
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        snapshot = null;
    }
}
