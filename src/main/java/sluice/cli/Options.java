package sluice.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import picocli.CommandLine.Option;
import sluice.config.Config;
import sluice.config.ConfigException;
import sluice.config.ConfigLoader;

/** Options every command takes: which config, which data dir. */
final class Options {
    /**
     * The packaged launcher (/usr/lib/sluice/bin/sluice from the .deb) sets this to /etc/sluice/sluice.toml, so every
     * command finds the service's config without --config.
     */
    static final String PACKAGED_CONFIG = "sluice.default.config";

    @Option(names = "--config", paramLabel = "FILE",
            description = "config file (default: ./sluice.toml if present, else /etc/sluice/sluice.toml when "
                    + "installed from the package, else the embedded default)")
    Path config;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "data directory (overrides data_dir)")
    Path dataDir;

    @Option(names = "--debug", description = "print stack traces of failures")
    boolean debug;

    /** Whether this process may read a file: a seam, since a test run as root reads everything. */
    Predicate<Path> readable = Files::isReadable;

    Config load() throws ConfigException {
        return load(false);
    }

    /** For serve: the certificate files the config names must be there too (as check-config demands). */
    Config loadForServing() throws ConfigException {
        return load(true);
    }

    /**
     * The config file in effect: --config, else ./sluice.toml, else the packaged one when the launcher names it and
     * it exists; null for the embedded default.
     */
    Path file() {
        if (config != null) return config;
        if (Files.isRegularFile(Path.of("sluice.toml"))) return Path.of("sluice.toml");
        String packaged = System.getProperty(PACKAGED_CONFIG, "");
        // Purged, the packaged file is gone: then the embedded default, as for any installation without a file. Not
        // "isRegularFile": a user who may not search /etc/sluice (0750) cannot tell, and must hear so, not get the
        // embedded default's data dir in the working directory.
        if (!packaged.isBlank() && !Files.notExists(Path.of(packaged))) return Path.of(packaged);
        return null;
    }

    /** The config file in effect when it exists but this user cannot read it (sendmail then hands over by SMTP). */
    Path unreadableFile() {
        Path file = file();
        return file != null && !Files.notExists(file) && !readable.test(file) ? file : null;
    }

    private Config load(boolean serving) throws ConfigException {
        Path file = file();
        if (file == null) return ConfigLoader.embeddedDefault(dataDir);
        if (unreadableFile() != null) {
            throw new Failures.UserError(2, "cannot read the config file " + file + " as user "
                    + System.getProperty("user.name", "?") + ": run the command as root or as the sluice user"
                    + " (sudo sluice COMMAND), or give --config FILE");
        }
        if (!Files.isRegularFile(file)) throw new Failures.UserError(2, "config file not found: " + file);
        return serving ? ConfigLoader.loadForServing(file, dataDir) : ConfigLoader.load(file, dataDir);
    }
}
