package sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * packaging/sluice.toml (the .deb's /etc/sluice/sluice.toml) is the embedded default written out: loaded, it is the
 * embedded default with the package's data dir, so the two cannot drift. Two differences are the file's purpose: its
 * data_dir, and listeners that stay on their ports (the service binds them with CAP_NET_BIND_SERVICE; the embedded
 * default moves a low port it cannot bind up by 10000).
 */
class PackagedConfigTest {
    private static final Path FILE = Path.of("packaging/sluice.toml");

    @Test
    void thePackagedConfigIsTheEmbeddedDefaultWithThePackagesDataDir() throws Exception {
        Config file = ConfigLoader.loadForServing(FILE, null);
        Config embedded = ConfigLoader.embeddedDefault(Path.of("/var/lib/sluice"));
        assertThat(file.dataDir()).isEqualTo(Path.of("/var/lib/sluice"));
        assertThat(file).usingRecursiveComparison()
                .ignoringFields("source", "listeners.highPortFallback")
                .isEqualTo(embedded);
        assertThat(file.listeners()).extracting(ListenerConfig::port).containsExactly(25, 587, 465, 2525);
        assertThat(file.listeners()).noneMatch(ListenerConfig::highPortFallback);
    }
}
