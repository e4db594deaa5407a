package sluice.auth;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * {@code users.json}: {@code {"name": {"hash": "$argon2id$...", "may_send_as": ["..."],
 * "api_keys": [{"id": "…", "sha256": "…", "created": "…"}]}}} ({@code api_keys} absent when there are none).
 * Replaced atomically on every change, so a reader sees the old file or the new one, never half.
 */
final class UsersFile {

    static final String NAME = "users.json";
    private static final String LOCK_NAME = "users.lock";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** One user's stored fields. */
    record Entry(String hash, List<String> maySendAs, List<StoredKey> apiKeys) {
        Entry {
            maySendAs = List.copyOf(maySendAs);
            apiKeys = List.copyOf(apiKeys);
        }

        Entry withKeys(List<StoredKey> keys) {
            return new Entry(hash, maySendAs, keys);
        }
    }

    /** An API key as stored: its hex SHA-256, never the key. */
    record StoredKey(String id, String sha256, java.time.Instant created) {
        ApiKey shown() {
            return new ApiKey(id, created);
        }
    }

    /**
     * What identifies one version of the file. The inode (fileKey) changes on every atomic
     * replace, which catches rewrites that keep the same size within the mtime granularity.
     */
    record Stamp(FileTime modified, long size, Object fileKey) {}

    private final Path dir;
    private final Path path;

    UsersFile(Path dir) {
        this.dir = dir;
        this.path = dir.resolve(NAME);
    }

    Path path() {
        return path;
    }

    /** The current stamp, or null when the file does not exist (an empty store). */
    Stamp stamp() throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Reads and validates every entry; a damaged file is an error, never an empty store. */
    SortedMap<String, Entry> read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return new TreeMap<>();
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            // Only the location: the parser's message may quote file content (hashes).
            throw corrupt("not valid JSON near line " + e.getLocation().getLineNr()
                    + " column " + e.getLocation().getColumnNr());
        }
        if (root == null || !root.isObject()) {
            throw corrupt("expected a JSON object of user name -> {\"hash\", \"may_send_as\"}");
        }
        SortedMap<String, Entry> users = new TreeMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = canonical(field.getKey());
            if (users.put(name, entry(name, field.getValue())) != null) {
                throw corrupt("user \"" + name + "\" appears twice (names are compared lower-cased; keep one of them)");
            }
        }
        return users;
    }

    /**
     * Takes the cross-process write lock (for `sluice user add` racing a running server); closing
     * the returned channel releases it. Callers in one JVM must serialise among themselves first:
     * file locks are per process.
     */
    FileChannel lock() throws IOException {
        Files.createDirectories(dir);
        FileChannel channel = FileChannel.open(dir.resolve(LOCK_NAME),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            channel.lock();
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Writes a temp file, fsyncs it, renames it over users.json and fsyncs the directory. */
    void write(SortedMap<String, Entry> users) throws IOException {
        Files.createDirectories(dir);
        deleteStaleTempFiles();
        Path tmp = posix() ? Files.createTempFile(dir, NAME + ".", ".tmp", ownerOnly())
                : Files.createTempFile(dir, NAME + ".", ".tmp");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(JSON.writeValueAsBytes(toJson(users)));
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        if (posix()) {
            Files.setPosixFilePermissions(path, OWNER_ONLY);
        }
        syncDirectory();
    }

    private Entry entry(String name, JsonNode node) throws IOException {
        if (!node.isObject() || !node.path("hash").isTextual()) {
            throw corrupt("user \"" + name + "\" needs a string \"hash\"");
        }
        try {
            PasswordHash.parse(node.get("hash").asText());
        } catch (IllegalArgumentException e) {
            throw corrupt("user \"" + name + "\": " + e.getMessage());
        }
        JsonNode patterns = node.path("may_send_as");
        List<String> maySendAs = new ArrayList<>();
        if (!patterns.isMissingNode()) {
            if (!patterns.isArray()) {
                throw corrupt("user \"" + name + "\": \"may_send_as\" must be an array of strings");
            }
            for (JsonNode p : patterns) {
                if (!p.isTextual()) {
                    throw corrupt("user \"" + name + "\": \"may_send_as\" must be an array of strings");
                }
                try {
                    maySendAs.add(UserStore.checkPattern(p.asText()));
                } catch (IllegalArgumentException e) {
                    throw corrupt("user \"" + name + "\": " + e.getMessage());
                }
            }
        }
        return new Entry(node.get("hash").asText(), maySendAs, keys(name, node.path("api_keys")));
    }

    private List<StoredKey> keys(String name, JsonNode keys) throws IOException {
        List<StoredKey> out = new ArrayList<>();
        if (keys.isMissingNode()) return out;
        if (!keys.isArray()) throw corrupt("user \"" + name + "\": \"api_keys\" must be an array");
        for (JsonNode k : keys) {
            String sha = k.path("sha256").asText("");
            if (!sha.matches("[0-9a-f]{64}") || !k.path("id").isTextual()) {
                throw corrupt("user \"" + name + "\": each of \"api_keys\" needs \"id\" and a hex \"sha256\"");
            }
            java.time.Instant created;
            try {
                created = java.time.Instant.parse(k.path("created").asText(""));
            } catch (java.time.format.DateTimeParseException e) {
                throw corrupt("user \"" + name + "\": an API key's \"created\" must be an RFC 3339 time");
            }
            out.add(new StoredKey(k.get("id").asText(), sha, created));
        }
        return out;
    }

    private String canonical(String name) throws IOException {
        try {
            return UserStore.canonicalName(name);
        } catch (IllegalArgumentException e) {
            throw corrupt(e.getMessage());
        }
    }

    private static ObjectNode toJson(SortedMap<String, Entry> users) {
        ObjectNode root = JSON.createObjectNode();
        users.forEach((name, entry) -> {
            ObjectNode user = root.putObject(name);
            user.put("hash", entry.hash());
            ArrayNode patterns = user.putArray("may_send_as");
            entry.maySendAs().forEach(patterns::add);
            if (!entry.apiKeys().isEmpty()) {
                ArrayNode keys = user.putArray("api_keys");
                for (StoredKey k : entry.apiKeys()) {
                    keys.addObject().put("id", k.id()).put("sha256", k.sha256()).put("created", k.created().toString());
                }
            }
        });
        return root;
    }

    /** Leftovers of a writer killed mid-write; safe to delete because we hold the write lock. */
    private void deleteStaleTempFiles() throws IOException {
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(dir, NAME + ".*.tmp")) {
            for (Path p : stale) {
                Files.deleteIfExists(p);
            }
        }
    }

    private void syncDirectory() {
        // Makes the rename itself durable on Linux; other platforms cannot open a directory, and
        // the rename is still atomic there, so failing here is not worth failing the write.
        if (!posix()) return;
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // best effort, see above
        }
    }

    private boolean posix() {
        return dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static FileAttribute<Set<PosixFilePermission>> ownerOnly() {
        return PosixFilePermissions.asFileAttribute(OWNER_ONLY);
    }

    private IOException corrupt(String why) {
        return new IOException(path + " is damaged: " + why + " (fix or restore it; Sluice will not overwrite it)");
    }
}
