package sluice.config;

import java.nio.file.Path;

/** Reads TOML into {@link Config}, reporting every error at once with file:line and key. */
public final class ConfigLoader {
    private ConfigLoader() {}

    /**
     * Loads and validates a config file.
     *
     * @param dataDirOverride the --data-dir option, or null
     * @throws ConfigException with every error found (file, line, key, message)
     */
    public static Config load(Path file, Path dataDirOverride) throws ConfigException {
        throw new IllegalStateException("config loader: stub");
    }

    /** The embedded default of CONTRACT.md (no config file). */
    public static Config embeddedDefault(Path dataDirOverride) {
        throw new IllegalStateException("config loader: stub");
    }
}
