package sluice.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import sluice.dns.MxHost;

class MxOrderTest {
    private static final List<MxHost> HOSTS = List.of(new MxHost("c", 20), new MxHost("a", 10), new MxHost("b", 10),
            new MxHost("d", 20), new MxHost("e", 30));

    private static List<String> names(List<MxHost> hosts) {
        return hosts.stream().map(MxHost::host).toList();
    }

    @Test
    void preferencesComeInOrderAndEqualOnesAreShuffled() {
        Set<List<String>> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            List<String> order = names(MxRoutes.orderMx(HOSTS, new HostStats()));
            assertThat(Set.copyOf(order.subList(0, 2))).containsExactlyInAnyOrder("a", "b");
            assertThat(Set.copyOf(order.subList(2, 4))).containsExactlyInAnyOrder("c", "d");
            assertThat(order.get(4)).isEqualTo("e");
            seen.add(order);
        }
        assertThat(seen).hasSize(4); // a/b and c/d each in both orders
    }

    @Test
    void amongEqualPreferencesTheFasterAndHealthierGoFirstButNeverAcrossPreferences() {
        HostStats stats = new HostStats();
        stats.success("a", 400);
        stats.success("b", 5);
        stats.failure("c");
        stats.success("d", 900);
        stats.success("e", 1);
        for (int i = 0; i < 50; i++) {
            assertThat(names(MxRoutes.orderMx(HOSTS, stats))).containsExactly("b", "a", "d", "c", "e");
        }
    }
}
