package sluice.config;

import java.nio.file.Path;

/** One problem in a config file. {@code line} is 0 when unknown (e.g. a missing key). */
public record ConfigError(Path file, int line, String key, String message) {
    /** "sluice.toml:12: limits.max_recipients: must be a positive integer". */
    @Override
    public String toString() {
        String where = file == null ? "(embedded default)" : file.toString();
        return where + ":" + line + ": " + key + ": " + message;
    }
}
