package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sluice.testkit.Dialog;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TestDnsServer;

/** `[mailauth] dnsbl`: clients of mx listeners listed on a blocklist are turned away at connect, others are not. */
class DnsblConnectTest {
    private TestDnsServer dns;

    @BeforeEach
    void start() {
        dns = TestDnsServer.start();
        dns.a("1.0.0.127.bl.test", "127.0.0.2"); // the harness's clients connect from 127.0.0.1
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private String config(String zone) {
        return """
                [mailauth]
                verify = false
                dnsbl = ["%s"]

                [delivery]
                paused = true
                dns_servers = ["%s"]
                """.formatted(zone, dns.address());
    }

    @Test
    void aListedClientGets554AtConnectOnMxButMaySubmit() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", config("bl.test"))) {
            try (Dialog d = new Dialog(s.mx)) {
                assertThat(d.expect()).isEqualTo("554 5.7.1 Service unavailable; client [127.0.0.1] blocked using bl.test");
                assertThat(d.closedByPeer()).isTrue();
            }
            // submission is authenticated mail from the user's own network: no blocklist there
            try (Dialog d = new Dialog(s.submission)) {
                assertThat(d.expect()).startsWith("220 ");
            }
            assertThat(dns.queries("1.0.0.127.bl.test")).isEqualTo(1);
        }
    }

    @Test
    void anUnlistedClientIsServed() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", config("other.test"))) {
            try (Dialog d = new Dialog(s.mx)) {
                assertThat(d.expect()).startsWith("220 ");
                assertThat(d.ask("EHLO c.test")).startsWith("250");
            }
        }
    }

    @Test
    void trustedNetworksAreNotLookedUp() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[\"127.0.0.0/8\"]", config("bl.test"))) {
            try (Dialog d = new Dialog(s.mx)) {
                assertThat(d.expect()).startsWith("220 ");
            }
            assertThat(dns.queries("1.0.0.127.bl.test")).isZero();
        }
    }
}
