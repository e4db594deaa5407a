package sluice.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import sluice.dns.Resolver;
import sluice.testkit.TestDnsServer;

/** `sluice doctor` quotes DNS text to a terminal: whatever bytes a TXT record holds, no control character is printed. */
class DomainDoctorTextTest {
    @Test
    void txtRecordsWithControlCharactersArePrintedClean() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.txt("evil.test", "v=spf1 \u001b]0;owned\u0007\u001b[2J\r\nPASS ip4:10.0.0.1 -all");
            Resolver resolver = Resolver.create(List.of(dns.address()), Duration.ofSeconds(2), Clock.systemUTC());
            List<DomainDoctor.Finding> findings = new DomainDoctor(resolver, "mx.test", Clock.systemUTC())
                    .examine("evil.test", List.of(InetAddress.getByAddress(new byte[] {127, 0, 0, 1})), List.of(), List.of());
            List<DomainDoctor.Finding> spf = findings.stream().filter(f -> f.check().equals("SPF")).toList();
            assertThat(spf).isNotEmpty();
            for (DomainDoctor.Finding f : findings) {
                assertThat(f.detail()).as(f.check()).doesNotContainPattern("[\\x00-\\x1f\\x7f]");
            }
            assertThat(spf.get(0).detail()).contains("v=spf1  ]0;owned [2J PASS");
        }
    }
}
