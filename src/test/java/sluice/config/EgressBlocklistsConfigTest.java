package sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code [egress] dnsbl_zones}, {@code dnsbl_interval}, {@code dnsbl_action}: defaults and values read. */
class EgressBlocklistsConfigTest {
    private static final String SOURCE = """
            [[egress.sources]]
            name = "ip1"
            address = "127.0.0.2"
            ehlo = "out1.example.test"
            """;

    @TempDir
    Path dir;

    private EgressConfig.Blocklists load(String toml) throws Exception {
        Path f = Files.writeString(dir.resolve("sluice.toml"), toml);
        return ConfigLoader.load(f, dir.resolve("data")).egress().blocklists();
    }

    @Test
    void byDefaultNoZoneIsCheckedEvery30MinutesAndAListingRemoves() throws Exception {
        assertThat(load(SOURCE)).isEqualTo(new EgressConfig.Blocklists(List.of(), Duration.ofMinutes(30), true));
        assertThat(load("")).isEqualTo(EgressConfig.Blocklists.NONE);
    }

    @Test
    void valuesAreRead() throws Exception {
        EgressConfig.Blocklists b = load(SOURCE + """
                [egress]
                dnsbl_zones = ["Zen.Spamhaus.org", "bl.spamcop.net"]
                dnsbl_interval = "2h"
                dnsbl_action = "alert"
                """);
        assertThat(b).isEqualTo(new EgressConfig.Blocklists(List.of("zen.spamhaus.org", "bl.spamcop.net"),
                Duration.ofHours(2), false));
    }
}
