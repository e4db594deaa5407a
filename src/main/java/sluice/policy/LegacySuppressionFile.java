package sluice.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The list as Sluice kept it before it moved into the spool's database: {@code <dataDir>/suppression.json},
 * {@code {"entries": [{"domain", "address", "reason", "added"}, …]}}. Read once at start-up, then renamed.
 */
final class LegacySuppressionFile {
    static final String FILE = "suppression.json";
    static final String MIGRATED = FILE + ".migrated";
    private static final ObjectMapper JSON = new ObjectMapper();

    private LegacySuppressionFile() {}

    /** The file's entries, or null when there is no file; a damaged file is an error, never an empty list. */
    static List<SuppressionList.Entry> read(Path dataDir) throws IOException {
        Path path = dataDir.resolve(FILE);
        if (!Files.exists(path)) return null;
        List<SuppressionList.Entry> out = new ArrayList<>();
        try {
            JsonNode entries = JSON.readTree(Files.readAllBytes(path)).path("entries");
            if (!entries.isArray()) throw damaged(path, "expected {\"entries\": [...]}");
            int n = 0;
            for (JsonNode e : entries) {
                n++;
                try {
                    SuppressionKey key = SuppressionKey.of(e.path("domain").asText(SuppressionList.ALL_SENDERS),
                            e.path("address").asText(""));
                    Instant added = e.hasNonNull("added") ? Instant.parse(e.get("added").asText()) : Instant.EPOCH;
                    out.add(new SuppressionList.Entry(key.domain(), key.address(),
                            SuppressionList.boundedReason(e.path("reason").asText("")), added));
                } catch (IllegalArgumentException | DateTimeParseException ex) {
                    throw damaged(path, "entry " + n + ": " + ex.getMessage());
                }
            }
        } catch (JsonProcessingException e) {
            throw damaged(path, "not valid JSON near line " + e.getLocation().getLineNr());
        }
        return out;
    }

    /** Renames the file once its entries are stored: {@code suppression.json.migrated} (or .migrated.N if taken). */
    static Path retire(Path dataDir) throws IOException {
        Path target = dataDir.resolve(MIGRATED);
        for (int n = 2; Files.exists(target); n++) target = dataDir.resolve(MIGRATED + "." + n);
        Files.move(dataDir.resolve(FILE), target, StandardCopyOption.ATOMIC_MOVE);
        Files.deleteIfExists(dataDir.resolve("suppression.lock")); // the old writers' lock file
        return target;
    }

    private static IOException damaged(Path path, String why) {
        return new IOException(path + " is damaged: " + why + " (fix or restore it, then start again; nothing was migrated)");
    }
}
