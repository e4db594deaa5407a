package sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;

/**
 * The TOML config loader (what ConfigLoader.load does after reading the file) on arbitrary text:
 * ConfigException is the only refusal, and each of its errors is one readable line naming the file, with
 * no Java exception class names in it.
 * Corpus: src/test/resources/sluice/config/ConfigLoaderFuzzTestInputs/.
 */
class ConfigLoaderFuzzTest {
    private static final Path FILE = Path.of("fuzz.toml");
    private static final Path DATA = Path.of("/nonexistent/sluice-fuzz-data");

    @FuzzTest(maxDuration = "10s")
    void aConfigLoadsOrEveryErrorIsOneReadableLine(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        try {
            ConfigMapping.map(TomlDocument.parse(FILE, text), DATA);
        } catch (ConfigException e) {
            assertThat(e.errors()).isNotEmpty();
            for (ConfigError error : e.errors()) {
                String line = error.toString();
                assertThat(line).startsWith("fuzz.toml").doesNotContain("\n").doesNotContain("\r")
                        .doesNotContainPattern("[a-z]+\\.[a-z]+\\.[A-Za-z.]*(Exception|Error)\\b")
                        .doesNotContain("Jackson");
            }
        }
    }
}
