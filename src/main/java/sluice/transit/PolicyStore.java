package sluice.transit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MTA-STS policies on disk, one small file per domain under {@code DATA_DIR/mta-sts/}, so that an enforce policy
 * still applies after a restart while its host is down (RFC 8461 5.1). Written atomically (temporary file, fsync,
 * rename); a file that cannot be read back is logged and ignored.
 */
final class PolicyStore {
    private static final Logger log = LoggerFactory.getLogger(PolicyStore.class);
    private volatile boolean directorySyncWarned;
    private static final String MAGIC = "sluice-mta-sts 1";
    /** Domains that are safe as file names; others are kept in memory only. */
    private static final Pattern FILE_SAFE = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+");
    private static final int MAX_FILE = PolicyHost.MAX_BODY + 4096;

    /** A policy and when it was fetched: it applies until {@code fetched + max_age}. */
    record Cached(StsPolicy policy, Instant fetched) {
        Instant expires() {
            return fetched.plusSeconds(policy.maxAgeSeconds());
        }

        /** RFC 8461 10.2 suggests refreshing well before expiry: at half the age. */
        Instant refreshDue() {
            return fetched.plusSeconds(policy.maxAgeSeconds() / 2);
        }
    }

    private final Path dir;

    PolicyStore(Path dir) {
        this.dir = dir;
    }

    /** The stored policy of {@code domain}, if a readable one exists (expired or not: the caller decides). */
    Optional<Cached> load(String domain) {
        Path file = file(domain);
        if (file == null) return Optional.empty();
        String text;
        try {
            if (Files.size(file) > MAX_FILE) {
                log.warn("mta-sts: ignoring cached policy {}: larger than {} bytes", file, MAX_FILE);
                return Optional.empty();
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            log.warn("mta-sts: ignoring cached policy {}: {}", file, e.toString());
            return Optional.empty();
        }
        try {
            return Optional.of(decode(domain, text));
        } catch (IllegalArgumentException e) {
            log.warn("mta-sts: ignoring corrupt cached policy {}: {}", file, e.getMessage());
            return Optional.empty();
        }
    }

    /** Stores {@code cached}, replacing what was there; a failure is logged (the policy stays cached in memory). */
    void save(Cached cached) {
        Path file = file(cached.policy().domain());
        if (file == null) return;
        String text = MAGIC + "\ndomain " + cached.policy().domain() + "\nid " + cached.policy().id() + "\nfetched "
                + cached.fetched().getEpochSecond() + "\n\n" + cached.policy().text();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) ch.write(bytes);
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory();
        } catch (IOException | RuntimeException e) {
            log.warn("mta-sts: cannot store the policy of {} in {}: {}", cached.policy().domain(), dir, e.toString());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a stray temporary file is harmless
                }
            }
        }
    }

    /** Forgets {@code domain}'s stored policy (expired). */
    void delete(String domain) {
        Path file = file(domain);
        if (file == null) return;
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("mta-sts: cannot delete the expired policy {}: {}", file, e.toString());
        }
    }

    private Path file(String domain) {
        return FILE_SAFE.matcher(domain).matches() && domain.length() <= 253 ? dir.resolve(domain + ".policy") : null;
    }

    private static Cached decode(String domain, String text) {
        String[] parts = text.split("\n", 5);
        if (parts.length < 5 || !parts[0].equals(MAGIC)) throw new IllegalArgumentException("not a policy cache file");
        if (!parts[1].equals("domain " + domain)) throw new IllegalArgumentException("written for another domain: " + parts[1]);
        if (!parts[2].startsWith("id ") || !parts[3].startsWith("fetched ") || !parts[4].startsWith("\n")) {
            throw new IllegalArgumentException("bad header");
        }
        String id = parts[2].substring(3);
        if (!StsRecord.ID.matcher(id).matches()) throw new IllegalArgumentException("bad id");
        Instant fetched;
        try {
            fetched = Instant.ofEpochSecond(Long.parseLong(parts[3].substring(8)));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad fetch time: " + parts[3]);
        }
        // the same parser as a fresh fetch: a file edited by hand cannot smuggle in what the network could not
        return switch (StsPolicyFile.parse(domain, id, parts[4].substring(1))) {
            case StsPolicyFile.Valid v -> new Cached(v.policy(), fetched);
            case StsPolicyFile.Invalid i -> throw new IllegalArgumentException("policy: " + i.why());
        };
    }

    private void syncDirectory() {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some platforms cannot sync a directory; the rename is still atomic, but a crash may lose the file (a
            // cache: the policy is fetched again), so say so once
            if (!directorySyncWarned) {
                directorySyncWarned = true;
                log.warn("mta-sts: cannot sync {} ({}); a crash may lose cached policies, which are then fetched again",
                        dir, e.getMessage());
            }
        }
    }
}
