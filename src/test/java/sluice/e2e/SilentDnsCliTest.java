package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.dns.MxAnswer;
import sluice.dns.Resolver;
import sluice.testkit.SluiceProcess;

/** doctor and probe against a DNS server that never answers, or is not there: one readable line, after one timeout. */
class SilentDnsCliTest {
    @TempDir
    Path dir;

    private Path config(int dnsPort) throws Exception {
        return Files.writeString(dir.resolve("sluice.toml"), """
                hostname = "mx.sluice.test"
                data_dir = "%s"
                listeners = []
                [delivery]
                dns_servers = ["127.0.0.1:%d"]
                dns_timeout = "3s"
                """.formatted(dir.resolve("data"), dnsPort));
    }

    @Test
    void doctorAndProbeStopAfterOneTimeoutWithOneLineNamingTheResolver() throws Exception {
        // Bound and never read: queries are swallowed, as by a firewall.
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Path config = config(silent.getLocalPort());
            long start = System.nanoTime();
            SluiceProcess.Outcome doctor = SluiceProcess.runApart(null, "doctor", "example.com", "--config", config.toString());
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            assertThat(doctor.exit()).isEqualTo(1);
            assertThat(doctor.stderr()).isEqualTo("sluice: doctor: the DNS server 127.0.0.1:" + silent.getLocalPort()
                    + " did not answer within 3000 ms; nothing checked ([delivery] dns_servers)\n");
            assertThat(doctor.stdout()).isEmpty();
            assertThat(seconds).as("one 3 s timeout, not one per check (5 or more)").isLessThan(12);

            SluiceProcess.Outcome probe = SluiceProcess.runApart(null, "probe", "mail.example.com", "--config", config.toString());
            assertThat(probe.exit()).isEqualTo(1);
            assertThat(probe.stderr()).isEqualTo("sluice: probe: cannot look up mail.example.com: the DNS server 127.0.0.1:"
                    + silent.getLocalPort() + " did not answer within 3000 ms\n");
        }
    }

    @Test
    void aDnsServerThatIsNotThereIsSaidInWords() throws Exception {
        int closed;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            closed = s.getLocalPort();
        }
        SluiceProcess.Outcome doctor = SluiceProcess.runApart(null, "doctor", "example.com", "--config", config(closed).toString());
        assertThat(doctor.exit()).isEqualTo(1);
        assertThat(doctor.stderr()).isEqualTo("sluice: doctor: the DNS server 127.0.0.1:" + closed
                + " is not listening (port unreachable); nothing checked ([delivery] dns_servers)\n");

        // The same failure as the queue, trace and dashboard see it (the MX lookup's last error).
        MxAnswer mx = Resolver.create(java.util.List.of("127.0.0.1:" + closed), java.time.Duration.ofSeconds(3),
                java.time.Clock.systemUTC()).mx("example.com");
        assertThat(mx).isInstanceOf(MxAnswer.TempFail.class);
        assertThat(((MxAnswer.TempFail) mx).detail())
                .isEqualTo("the DNS server 127.0.0.1:" + closed + " is not listening (port unreachable) (asking for example.com/MX)");
    }
}
