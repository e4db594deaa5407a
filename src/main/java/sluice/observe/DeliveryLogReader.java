package sluice.observe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Reads the delivery log back: the rotated files oldest first ({@code .gz} too), then the current one. Lines that
 * are not JSON (a torn last line after a crash) are skipped. Used by {@code sluice trace} and {@code sluice check}.
 */
public final class DeliveryLogReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DeliveryLogReader() {}

    /** The files of the log whose current file is {@code current}, in the order their lines were written. */
    public static List<Path> files(Path current) throws IOException {
        List<Path> out = new ArrayList<>();
        for (LogFiles.Rotated r : LogFiles.rotated(current)) out.add(r.path());
        if (Files.exists(current)) out.add(current);
        return out;
    }

    /**
     * Hands every event to {@code visitor} in file order.
     *
     * @param since null for all; otherwise files last written before it are not opened and earlier events skipped
     */
    public static void read(Path current, Instant since, Consumer<JsonNode> visitor) throws IOException {
        for (Path f : files(current)) {
            if (since != null && !f.equals(current)) {
                Instant modified = LogFiles.modified(f);
                if (modified != null && modified.isBefore(since)) continue;
            }
            try (InputStream raw = open(f)) {
                if (raw == null) continue;
                BufferedReader in = new BufferedReader(new InputStreamReader(raw, StandardCharsets.UTF_8), 65536);
                for (String line; (line = in.readLine()) != null; ) {
                    JsonNode n = parse(line);
                    if (n != null && (since == null || !before(n, since))) visitor.accept(n);
                }
            }
        }
    }

    /** Every event (since {@code since}, if not null) in a list. */
    public static List<JsonNode> readAll(Path current, Instant since) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        read(current, since, out::add);
        return out;
    }

    /** The event's {@code ts}, or null when missing or malformed. */
    public static Instant ts(JsonNode n) {
        try {
            return n.hasNonNull("ts") ? Instant.parse(n.get("ts").asText()) : null;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static boolean before(JsonNode n, Instant since) {
        Instant ts = ts(n);
        return ts != null && ts.isBefore(since);
    }

    private static JsonNode parse(String line) {
        if (line.isBlank()) return null;
        try {
            JsonNode n = JSON.readTree(line);
            return n != null && n.isObject() ? n : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** Opens a file; a plain rotated file compressed away meanwhile is read from its {@code .gz}; null if gone. */
    private static InputStream open(Path f) throws IOException {
        try {
            InputStream in = Files.newInputStream(f);
            return f.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(in, 65536) : in;
        } catch (NoSuchFileException e) {
            Path gz = f.resolveSibling(f.getFileName() + ".gz");
            if (f.getFileName().toString().endsWith(".gz") || !Files.exists(gz)) return null;
            return new GZIPInputStream(Files.newInputStream(gz), 65536);
        }
    }
}
