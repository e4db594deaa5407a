package sluice.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Per-host connect statistics: a bounded table, since hosts come from any domain's MX records. */
class HostStatsTest {
    @Test
    void distinctHostsStayBounded() {
        HostStats stats = new HostStats(1_000);
        for (int i = 0; i < 100_000; i++) stats.failure("mx" + i + ".example.test");
        assertThat(stats.hosts()).isLessThanOrEqualTo(1_000);
    }
}
