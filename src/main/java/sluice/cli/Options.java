package sluice.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import sluice.config.Config;
import sluice.config.ConfigException;
import sluice.config.ConfigLoader;

/** Options every command takes: which config, which data dir. */
final class Options {
    @Option(names = "--config", paramLabel = "FILE",
            description = "config file (default: ./sluice.toml if present, else the embedded default)")
    Path config;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "data directory (overrides data_dir)")
    Path dataDir;

    @Option(names = "--debug", description = "print stack traces of failures")
    boolean debug;

    Config load() throws ConfigException {
        return load(false);
    }

    /** For serve: the certificate files the config names must be there too (as check-config demands). */
    Config loadForServing() throws ConfigException {
        return load(true);
    }

    private Config load(boolean serving) throws ConfigException {
        Path file = config;
        if (file == null && Files.isRegularFile(Path.of("sluice.toml"))) file = Path.of("sluice.toml");
        if (file == null) return ConfigLoader.embeddedDefault(dataDir);
        if (!Files.isRegularFile(file)) throw new Failures.UserError(2, "config file not found: " + file);
        return serving ? ConfigLoader.loadForServing(file, dataDir) : ConfigLoader.load(file, dataDir);
    }
}
