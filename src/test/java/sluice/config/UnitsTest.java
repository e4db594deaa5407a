package sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UnitsTest {
    @ParameterizedTest
    @CsvSource({
        "30s, 30000", "5m, 300000", "1h, 3600000", "5d, 432000000", "1h30m, 5400000", "250ms, 250",
        "0, 0", "45, 45000", "2m30s, 150000", "1d2h3m4s5ms, 93784005", "' 10s ', 10000"
    })
    void durations(String text, long millis) {
        assertThat(Units.duration(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "s", "5", "-5m", "5 m", "5M", "1.5h", "5min", "h1", "1h 30m", "5mx",
        "99999999999999999999s", "9223372036854775807d"})
    void badDurations(String text) {
        if (text.equals("5")) {
            assertThat(Units.duration(text)).isEqualTo(Duration.ofSeconds(5)); // digits alone are seconds
            return;
        }
        assertThatThrownBy(() -> Units.duration(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(text.isEmpty() ? "\"\"" : text.strip());
    }

    @ParameterizedTest
    @CsvSource({
        "26214400, 26214400", "25MiB, 26214400", "10MB, 10000000", "512KiB, 524288", "1GiB, 1073741824",
        "1gib, 1073741824", "256M, 268435456", "100B, 100", "1.5KiB, 1536", "1kb, 1000", "'2 MiB', 2097152",
        "0, 0", "1TiB, 1099511627776"
    })
    void sizes(String text, long bytes) {
        assertThat(Units.size(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "MiB", "25 MiBs", "-1", "ten", "1e6", "99999999999TiB", "25XB"})
    void badSizes(String text) {
        assertThatThrownBy(() -> Units.size(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
