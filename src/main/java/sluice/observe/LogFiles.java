package sluice.observe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The names of the delivery log's files: the current {@code delivery.jsonl} and the rotated
 * {@code delivery.jsonl.YYYY-MM-DD.N[.gz]}, N counting from 1 within a day. Shared by the writer and the reader.
 */
final class LogFiles {
    private LogFiles() {}

    /** One rotated file; {@code day} is the UTC day its first line was written. */
    record Rotated(Path path, LocalDate day, int n, boolean gzip) {
        Path plain() {
            return gzip ? path.resolveSibling(path.getFileName().toString().replaceFirst("\\.gz$", "")) : path;
        }
    }

    private static Pattern pattern(Path current) {
        return Pattern.compile(Pattern.quote(current.getFileName().toString()) + "\\.(\\d{4}-\\d{2}-\\d{2})\\.(\\d+)(\\.gz)?");
    }

    /**
     * The rotated files next to {@code current}, oldest first. When a file exists both plain and compressed
     * (compression under way) only the plain one is listed.
     */
    static List<Rotated> rotated(Path current) throws IOException {
        Path dir = current.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) return List.of();
        Pattern p = pattern(current);
        List<Rotated> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Matcher m = p.matcher(f.getFileName().toString());
                if (!m.matches()) continue;
                try {
                    out.add(new Rotated(f, LocalDate.parse(m.group(1)), Integer.parseInt(m.group(2)), m.group(3) != null));
                } catch (RuntimeException e) {
                    // not a real date or an absurd counter: not one of ours
                }
            }
        }
        out.removeIf(r -> r.gzip() && out.stream().anyMatch(o -> !o.gzip() && o.path().equals(r.plain())));
        out.sort(Comparator.comparing(Rotated::day).thenComparingInt(Rotated::n));
        return out;
    }

    /** The name the current file gets when rotated now, its first line having been written on {@code day}. */
    static Path next(Path current, LocalDate day) throws IOException {
        int n = 0;
        for (Rotated r : rotated(current)) if (r.day().equals(day)) n = Math.max(n, r.n());
        return current.resolveSibling(current.getFileName() + "." + day + "." + (n + 1));
    }

    /** Last write of a file, or null when it is gone. */
    static Instant modified(Path f) {
        try {
            return Files.getLastModifiedTime(f).toInstant();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
    }
}
