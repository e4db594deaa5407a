package sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Where the CLI reaches the admin API: the configured address, a wildcard one on loopback. */
class AdminApiAddressTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "127.0.0.1:8025 | http://127.0.0.1:8025",
            "0.0.0.0:8025   | http://127.0.0.1:8025",
            "[::]:8025      | http://[::1]:8025",
            "[::1]:9000     | http://[::1]:9000",
            "192.0.2.7:8025 | http://192.0.2.7:8025"})
    void baseOfTheAdminAddress(String address, String base) {
        assertThat(AdminApi.baseOf(address)).isEqualTo(base);
    }
}
