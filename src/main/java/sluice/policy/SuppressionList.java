package sluice.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * Recipients that must not get mail, per sending domain or for every sender ({@code "*"}), kept in
 * {@code <dataDir>/suppression.json}. Lookups are in memory; the file is re-checked (mtime, size, inode) at most once
 * a second, so a running server sees what `sluice suppression add` wrote. Writes take {@code suppression.lock} and
 * replace the file atomically. Addresses and domains are compared case-insensitively (as every ESP does).
 * Thread-safe.
 */
public final class SuppressionList {
    public static final String ALL_SENDERS = "*";
    static final String FILE = "suppression.json";
    private static final String LOCK = "suppression.lock";
    private static final Duration RECHECK = Duration.ofSeconds(1);
    private static final int MAX_ADDRESS = 320;
    /** A reason is shown in the 550 reply to every later RCPT: it must fit on one reply line with the address. */
    public static final int MAX_REASON = 200;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SuppressionList.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    // File locks are per process: writers within one JVM queue here first.
    private static final ReentrantLock WRITE_LOCK = new ReentrantLock();

    /** One suppressed recipient; {@code domain} is a sending domain or {@link #ALL_SENDERS}. */
    public record Entry(String domain, String address, String reason, Instant added) {}

    private record Key(String domain, String address) implements Comparable<Key> {
        public int compareTo(Key o) {
            int c = domain.compareTo(o.domain);
            return c != 0 ? c : address.compareTo(o.address);
        }
    }

    private record Stamp(FileTime modified, long size, Object fileKey) {}

    private record Snapshot(Map<Key, Entry> entries, Stamp stamp) {}

    private final Path dir;
    private final Path path;
    private final Clock clock;
    private final ReentrantLock reloadLock = new ReentrantLock();
    private volatile Snapshot snapshot;
    private volatile Instant checkedAt;

    private SuppressionList(Path dir, Clock clock) throws IOException {
        this.dir = dir;
        this.path = dir.resolve(FILE);
        this.clock = clock;
        this.checkedAt = clock.instant();
        Stamp stamp = stamp();
        this.snapshot = new Snapshot(read(), stamp);
    }

    /**
     * Loads the list of {@code dataDir} (the file need not exist).
     *
     * @throws IOException if suppression.json exists but is unreadable or damaged
     */
    public static SuppressionList open(Path dataDir) throws IOException {
        return open(dataDir, Clock.systemUTC());
    }

    public static SuppressionList open(Path dataDir, Clock clock) throws IOException {
        return new SuppressionList(dataDir, clock);
    }

    /**
     * True when {@code recipient} is suppressed for {@code senderDomain} or for every sender. A null or empty
     * sender domain (the null sender) matches only the entries for every sender.
     */
    public boolean isSuppressed(String senderDomain, String recipient) {
        if (recipient == null) return false;
        Map<Key, Entry> entries = current();
        String address = recipient.toLowerCase(Locale.ROOT);
        if (entries.containsKey(new Key(ALL_SENDERS, address))) return true;
        return senderDomain != null && !senderDomain.isEmpty()
                && entries.containsKey(new Key(senderDomain.toLowerCase(Locale.ROOT), address));
    }

    /** The entry that suppresses the recipient (the sending domain's before the one for all), or null. */
    public Entry find(String senderDomain, String recipient) {
        if (recipient == null) return null;
        Map<Key, Entry> entries = current();
        String address = recipient.toLowerCase(Locale.ROOT);
        Entry own = senderDomain == null || senderDomain.isEmpty() ? null
                : entries.get(new Key(senderDomain.toLowerCase(Locale.ROOT), address));
        return own != null ? own : entries.get(new Key(ALL_SENDERS, address));
    }

    /**
     * Adds an entry, or replaces its reason; true if it is new.
     *
     * @param senderDomain a sending domain, or {@code "*"} for every sender
     * @throws IllegalArgumentException for an address or domain that cannot be one, or a reason longer than
     *     {@link #MAX_REASON} characters or with control characters (it is echoed in SMTP replies)
     */
    public boolean add(String senderDomain, String recipient, String reason) throws IOException {
        Key key = key(senderDomain, recipient);
        String why = reason == null ? "" : reason.strip();
        if (why.length() > MAX_REASON) {
            throw new IllegalArgumentException("reason: at most " + MAX_REASON + " characters (got " + why.length() + ")");
        }
        if (!sluice.smtp.ReplyText.isClean(why)) {
            throw new IllegalArgumentException("reason: must be one line without control characters");
        }
        Entry entry = new Entry(key.domain(), key.address(), why, clock.instant());
        boolean[] added = {false};
        update(entries -> {
            added[0] = entries.put(key, entry) == null;
            return true;
        });
        return added[0];
    }

    /** Removes an entry; false if there was none. */
    public boolean remove(String senderDomain, String recipient) throws IOException {
        Key key = key(senderDomain, recipient);
        return update(entries -> entries.remove(key) != null);
    }

    /** Every entry, sorted by domain ("*" first) then address. */
    public List<Entry> list() {
        return List.copyOf(current().values());
    }

    public Path path() {
        return path;
    }

    /**
     * A reason made from text the operator did not write (a remote reply, an old or hand-edited file): one
     * clean line of at most {@link #MAX_REASON} characters, the repair logged.
     */
    public static String boundedReason(String reason) {
        if (reason == null) return "";
        String clean = sluice.smtp.ReplyText.clean(reason).strip();
        String bounded = clean.length() <= MAX_REASON ? clean : clean.substring(0, MAX_REASON - 3) + "...";
        if (!bounded.equals(reason)) {
            log.warn("suppression reason of {} characters repaired (control characters replaced, cut to {})",
                    reason.length(), MAX_REASON);
        }
        return bounded;
    }

    private static Key key(String senderDomain, String recipient) {
        String domain = senderDomain == null || senderDomain.isBlank() ? ALL_SENDERS : senderDomain.strip();
        domain = domain.toLowerCase(Locale.ROOT);
        if (!domain.equals(ALL_SENDERS) && !domain.matches("[\\p{L}\\p{N}_.-]+")) {
            throw new IllegalArgumentException("not a domain: \"" + sluice.smtp.ReplyText.forLog(senderDomain, 80)
                    + "\" (a sending domain or *)");
        }
        String address = recipient == null ? "" : recipient.strip();
        if (address.startsWith("<") && address.endsWith(">")) address = address.substring(1, address.length() - 1);
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1 || address.length() > MAX_ADDRESS
                || address.codePoints().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw new IllegalArgumentException("not an address: \"" + sluice.smtp.ReplyText.forLog(recipient, 80)
                    + "\" (user@domain)");
        }
        return new Key(domain, address.toLowerCase(Locale.ROOT));
    }

    /** The entries, re-read when the file changed and the last check is a second old. */
    private Map<Key, Entry> current() {
        Instant now = clock.instant();
        Instant last = checkedAt;
        boolean due = now.isBefore(last) || !now.isBefore(last.plus(RECHECK));
        // tryLock: a thread already checking gets an answer as fresh as ours would be.
        if (due && reloadLock.tryLock()) {
            try {
                checkedAt = now;
                Stamp stamp = stamp();
                if (!Objects.equals(stamp, snapshot.stamp())) snapshot = new Snapshot(read(), stamp);
            } catch (IOException e) {
                // A damaged or half-edited file: keep the last good list rather than forget every suppression.
            } finally {
                reloadLock.unlock();
            }
        }
        return snapshot.entries();
    }

    private boolean update(Predicate<Map<Key, Entry>> change) throws IOException {
        WRITE_LOCK.lock();
        try {
            Files.createDirectories(dir);
            try (FileChannel lock = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                lock.lock();
                Map<Key, Entry> entries = new TreeMap<>(read()); // from the file: no concurrent change is lost
                boolean changed = change.test(entries);
                if (changed) write(entries);
                snapshot = new Snapshot(java.util.Collections.unmodifiableMap(entries), stamp());
                checkedAt = clock.instant();
                return changed;
            }
        } finally {
            WRITE_LOCK.unlock();
        }
    }

    private Stamp stamp() throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** {@code {"entries": [{"domain", "address", "reason", "added"}, …]}}; a damaged file is an error, never empty. */
    private Map<Key, Entry> read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return Map.of();
        }
        Map<Key, Entry> out = new TreeMap<>();
        try {
            JsonNode entries = JSON.readTree(bytes).path("entries");
            if (!entries.isArray()) throw damaged("expected {\"entries\": [...]}");
            for (JsonNode e : entries) {
                Key key = key(e.path("domain").asText(ALL_SENDERS), e.path("address").asText(""));
                Instant added = e.hasNonNull("added") ? Instant.parse(e.get("added").asText()) : Instant.EPOCH;
                out.put(key, new Entry(key.domain(), key.address(), boundedReason(e.path("reason").asText("")), added));
            }
        } catch (JsonProcessingException e) {
            throw damaged("not valid JSON near line " + e.getLocation().getLineNr());
        } catch (IllegalArgumentException | DateTimeParseException | NullPointerException e) {
            throw damaged(e.getMessage());
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /** Temp file, fsync, atomic rename over the old file, fsync of the directory. */
    private void write(Map<Key, Entry> entries) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode array = root.putArray("entries");
        for (Entry e : entries.values()) {
            array.addObject().put("domain", e.domain()).put("address", e.address()).put("reason", e.reason())
                    .put("added", e.added().toString());
        }
        Path tmp = Files.createTempFile(dir, FILE + ".", ".tmp");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(JSON.writeValueAsBytes(root));
                while (buffer.hasRemaining()) out.write(buffer);
                out.force(true);
            }
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // best effort: the rename is atomic either way
        }
    }

    private IOException damaged(String why) {
        return new IOException(path + " is damaged: " + why + " (fix or restore it; Sluice will not overwrite it)");
    }
}
