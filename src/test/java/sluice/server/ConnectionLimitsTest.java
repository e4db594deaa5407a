package sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import sluice.config.LimitsConfig;

/** The open-connection caps: an IPv6 /64 is one client, and the per-IP table holds only clients with connections. */
class ConnectionLimitsTest {
    private static ConnectionLimits limits(int maxPerIp, int ipv6Prefix) {
        return new ConnectionLimits(new LimitsConfig(26_214_400L, 100, 1_000_000, maxPerIp, 10, 0, 0, 0, ipv6Prefix));
    }

    @Test
    void freshAddressesOfOneSlash64ShareTheCap() throws Exception {
        ConnectionLimits l = limits(2, 64);
        assertThat(l.acquire(InetAddress.getByName("2001:db8::1"), false)).isEqualTo(ConnectionLimits.Admission.ADMITTED);
        assertThat(l.acquire(InetAddress.getByName("2001:db8::2"), false)).isEqualTo(ConnectionLimits.Admission.ADMITTED);
        assertThat(l.acquire(InetAddress.getByName("2001:db8::3"), false))
                .isEqualTo(ConnectionLimits.Admission.MAX_CONNECTIONS_PER_IP);
        assertThat(l.acquire(InetAddress.getByName("2001:db8:0:1::3"), false)).isEqualTo(ConnectionLimits.Admission.ADMITTED);
        l.release(InetAddress.getByName("2001:db8::1"), false);
        assertThat(l.acquire(InetAddress.getByName("2001:db8::9"), false)).isEqualTo(ConnectionLimits.Admission.ADMITTED);
    }

    @Test
    void aPrefixOf128CapsEachAddress() throws Exception {
        ConnectionLimits l = limits(1, 128);
        assertThat(l.acquire(InetAddress.getByName("::1"), false)).isEqualTo(ConnectionLimits.Admission.ADMITTED);
        assertThat(l.acquire(InetAddress.getByName("::1"), false)).isEqualTo(ConnectionLimits.Admission.MAX_CONNECTIONS_PER_IP);
        assertThat(l.acquire(InetAddress.getByName("::2"), false)).isEqualTo(ConnectionLimits.Admission.ADMITTED);
    }

    @Test
    void theTableEmptiesAsConnectionsClose() throws Exception {
        ConnectionLimits l = limits(50, 64);
        for (int i = 0; i < 100_000; i++) {
            InetAddress a = InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
            assertThat(l.acquire(a, false)).isEqualTo(ConnectionLimits.Admission.ADMITTED);
            l.release(a, false);
        }
        assertThat(l.trackedClients()).isZero();
        assertThat(l.open()).isZero();
    }
}
