package sluice.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects every error of one file, so the user fixes them in one round instead of one per run. */
final class Diagnostics {
    private final Path file;
    private final KeyLines lines;
    private final List<ConfigError> errors = new ArrayList<>();

    Diagnostics(Path file, KeyLines lines) {
        this.file = file;
        this.lines = lines;
    }

    void error(KeyPath key, String message) {
        errors.add(new ConfigError(file, lines.lineOf(key), key.toString(), message));
    }

    /** "file:line" of a key, for values that say where they came from. */
    String where(KeyPath key) {
        return (file == null ? "?" : file.getFileName().toString()) + ":" + lines.lineOf(key);
    }

    boolean isEmpty() {
        return errors.isEmpty();
    }

    /** Throws with all errors in file order; errors without a line (0) come first. */
    void throwIfAny() throws ConfigException {
        if (errors.isEmpty()) return;
        List<ConfigError> sorted = new ArrayList<>(errors);
        sorted.sort(Comparator.comparingInt(ConfigError::line)); // stable: same line keeps walk order
        throw new ConfigException(sorted);
    }
}
