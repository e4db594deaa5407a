package sluice.config;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class AcceptedKeysDump {
    @Test
    void dump() throws Exception {
        TomlDocument doc = TomlDocument.read(Path.of("src/test/resources/config/every-table.toml"));
        Diagnostics d = new Diagnostics(doc.file(), doc.lines());
        try {
            ConfigMapping.map(doc, Path.of("target/keys-dump"), false, d);
        } catch (ConfigException e) {
            System.out.println("ERR " + e.getMessage());
        }
        d.acceptedKeys().forEach(k -> System.out.println("KEY " + k));
    }
}
