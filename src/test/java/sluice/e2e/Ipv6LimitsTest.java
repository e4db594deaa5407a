package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import sluice.testkit.FreePorts;
import sluice.testkit.SluiceHarness;

/** Per-IP limits over real IPv6 loopback: ::1 is counted as its /64 (::/64), and its slot comes back on close. */
class Ipv6LimitsTest {
    private static String greeting(Socket s) throws Exception {
        s.setSoTimeout(10_000);
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }

    private static Socket connect(int port) throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("::1", port), 5_000);
        return s;
    }

    @Test
    void theConnectionCapAndRateHoldForAnIpv6Client() throws Exception {
        int port = FreePorts.next();
        String extra = """
                [limits]
                max_connections_per_ip = 1
                connections_per_ip_per_minute = 3
                ipv6_prefix = 64

                [[listeners]]
                address = "::1"
                port = %d
                mode = "mx"
                """.formatted(port);
        try (SluiceHarness s = SluiceHarness.start("[]", extra)) {
            try (Socket a = connect(port)) {
                assertThat(greeting(a)).startsWith("220 ");
                try (Socket b = connect(port)) {
                    assertThat(greeting(b)).startsWith("421 4.7.0");
                }
            }
            // The slot is given back on close (the keyed entry goes), then the rate (3 a minute) runs out.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> {
                try (Socket c = connect(port)) {
                    return greeting(c).startsWith("220 ");
                }
            });
            String last;
            int tries = 0;
            do {
                try (Socket d = connect(port)) {
                    last = greeting(d);
                }
            } while (++tries < 20 && (last.startsWith("220 ") || last.startsWith("421 4.7.0 Too many")));
            assertThat(last).isEqualTo("421 4.7.0 Connection rate limit exceeded for your address; try again later");
        }
    }
}
