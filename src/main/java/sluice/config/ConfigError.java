package sluice.config;

import java.nio.file.Path;

/** One problem in a config file. {@code line} is 0 when unknown; {@code key} is "" when none applies. */
public record ConfigError(Path file, int line, String key, String message) {
    /** "sluice.toml:12: limits.max_recipients: must be a positive integer". */
    @Override
    public String toString() {
        String where = file == null ? "(embedded default)" : file.toString();
        // A file-wide error (unreadable, syntax) has no key; one that is not on a line has no line.
        String at = line > 0 ? where + ":" + line : where;
        return key.isEmpty() ? at + ": " + message : at + ": " + key + ": " + message;
    }
}
