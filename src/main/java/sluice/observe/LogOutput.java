package sluice.observe;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.config.LogConfig;

/**
 * The file the delivery log writes to, rotated by size and at UTC midnight. Used only by the writer thread,
 * between batches, so a line is never split across files. Compression runs on its own thread so that a large
 * file being gzipped does not hold up the log.
 */
final class LogOutput implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogOutput.class);

    private final Path file;
    private final LogConfig policy; // null: append only, never rotate (the CLI's short-lived writers)
    private final Clock clock;
    private final ExecutorService gzip;
    private OutputStream out;
    private Object fileKey;
    private long size;
    private LocalDate day;

    LogOutput(Path file, LogConfig policy, Clock clock) throws IOException {
        this.file = file.toAbsolutePath();
        this.policy = policy;
        this.clock = clock;
        this.gzip = policy != null && policy.compress()
                ? Executors.newSingleThreadExecutor(Thread.ofPlatform().name("delivery-log-gzip").daemon(true).factory())
                : null;
        Files.createDirectories(this.file.getParent());
        open();
        if (policy != null) tidyUp();
    }

    private void open() throws IOException {
        out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        fileKey = a.fileKey();
        size = a.size();
        day = size > 0 ? LocalDate.ofInstant(a.lastModifiedTime().toInstant(), ZoneOffset.UTC) : today();
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /** Appends whole lines, rotating between two lines when the next would not fit or the day has changed. */
    void write(List<byte[]> lines) throws IOException {
        reopenIfMoved();
        ByteArrayOutputStream chunk = new ByteArrayOutputStream(8192);
        for (byte[] line : lines) {
            long used = size + chunk.size();
            if (policy != null && used > 0 && (used + line.length > policy.maxSize() || dayChanged())) {
                append(chunk);
                rotate();
            }
            chunk.writeBytes(line);
        }
        append(chunk);
    }

    private void append(ByteArrayOutputStream chunk) throws IOException {
        if (chunk.size() == 0) return;
        chunk.writeTo(out);
        out.flush();
        size += chunk.size();
        chunk.reset();
    }

    /** Called when idle: a quiet log still rotates at midnight. */
    void tick() throws IOException {
        if (policy != null && size > 0 && dayChanged()) rotate();
    }

    private boolean dayChanged() {
        return policy.rotateDaily() && !today().equals(day);
    }

    /** Another writer (a CLI command, an outside logrotate) may have moved the file: follow the name. */
    private void reopenIfMoved() throws IOException {
        if (fileKey == null) return;
        Object now;
        try {
            now = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            now = null;
        }
        if (!Objects.equals(now, fileKey)) {
            out.close();
            open();
        }
    }

    private void rotate() throws IOException {
        out.close();
        Path target = LogFiles.next(file, day);
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        log.debug("delivery log: rotated to {}", target.getFileName());
        if (gzip != null) gzip.execute(() -> compress(target));
        open();
        day = today();
        prune();
    }

    /** Deletes rotated files past the retention or beyond max_files, oldest first. */
    private void prune() throws IOException {
        List<LogFiles.Rotated> all = LogFiles.rotated(file);
        Instant cutoff = clock.instant().minus(policy.retention());
        int excess = policy.maxFiles() > 0 ? all.size() - policy.maxFiles() : 0;
        for (LogFiles.Rotated r : all) {
            Instant modified = LogFiles.modified(r.path());
            if (excess-- > 0 || (modified != null && modified.isBefore(cutoff))) {
                Files.deleteIfExists(r.path());
                if (!r.gzip()) Files.deleteIfExists(r.path().resolveSibling(r.path().getFileName() + ".gz"));
                log.debug("delivery log: deleted {}", r.path().getFileName());
            }
        }
    }

    /** At start-up: finish compressions a crash interrupted, and apply the retention. */
    private void tidyUp() throws IOException {
        try (var files = Files.list(file.getParent())) {
            for (Path p : files.toList()) {
                if (p.getFileName().toString().endsWith(".gz.tmp")) Files.deleteIfExists(p);
            }
        }
        if (gzip != null) {
            for (LogFiles.Rotated r : LogFiles.rotated(file)) if (!r.gzip()) gzip.execute(() -> compress(r.path()));
        }
        prune();
    }

    /** {@code f} → {@code f.gz} with the same modification time; the plain file goes once the copy is complete. */
    private static void compress(Path f) {
        Path gz = f.resolveSibling(f.getFileName() + ".gz");
        Path tmp = f.resolveSibling(f.getFileName() + ".gz.tmp");
        try {
            FileTime modified = Files.getLastModifiedTime(f);
            try (InputStream in = Files.newInputStream(f);
                 OutputStream o = new GZIPOutputStream(Files.newOutputStream(tmp), 65536)) {
                in.transferTo(o);
            }
            Files.setLastModifiedTime(tmp, modified);
            Files.move(tmp, gz, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.delete(f);
        } catch (NoSuchFileException e) {
            // pruned meanwhile
        } catch (IOException e) {
            log.warn("delivery log: cannot compress {}: {}", f.getFileName(), e.getMessage());
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // left for the next start-up's tidy-up
            }
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
        if (gzip != null) {
            gzip.shutdown();
            try {
                if (!gzip.awaitTermination(60, TimeUnit.SECONDS)) log.warn("delivery log: compression still running");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
