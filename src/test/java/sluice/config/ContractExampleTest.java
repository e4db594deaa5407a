package sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The example of CONTRACT.md, verbatim, plus a listener using every optional field. */
class ContractExampleTest {
    private static final Path DATA = Path.of("/var/lib/sluice");

    static Path resource(String name) throws URISyntaxException {
        return Path.of(ContractExampleTest.class.getResource("/config/" + name).toURI());
    }

    @Test
    void loadsEveryValue() throws Exception {
        Config c = ConfigLoader.load(resource("contract.toml"), null);

        assertThat(c.hostname()).isEqualTo("mx1.example.test");
        assertThat(c.dataDir()).isEqualTo(DATA);
        assertThat(c.localDomains()).containsExactly("example.test");
        assertThat(c.trustedNetworks()).isEmpty();
        assertThat(c.listeners()).containsExactly(
                new ListenerConfig("127.0.0.1", 25, ListenerMode.MX, false, false, List.of(), List.of(), false),
                new ListenerConfig("::1", 587, ListenerMode.SUBMISSION, false, true,
                        List.of(Cidr.parse("10.0.0.5/32"), Cidr.parse("2001:db8::5/128")),
                        List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("2001:db8::/32")),
                        List.of(Cidr.parse("10.1.0.0/16")), false));
        assertThat(c.tls()).isEqualTo(new TlsConfig(DATA.resolve("cert.pem"), DATA.resolve("key.pem"),
                Duration.ofSeconds(60)));
        assertThat(c.limits()).isEqualTo(new LimitsConfig(26214400, 100, 10000, 50, 10, 0, 0, 0));
        assertThat(c.delivery().mxPort()).isEqualTo(25);
        assertThat(c.delivery().dnsServers()).containsExactly("127.0.0.1:5353");
        assertThat(c.delivery().retrySchedule()).containsExactly(Duration.ofMinutes(5), Duration.ofMinutes(10),
                Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(4));
        assertThat(c.delivery().maxQueueLifetime()).isEqualTo(Duration.ofDays(5));
        assertThat(c.delivery().smarthosts()).containsExactly(new SmarthostConfig(List.of("*"),
                "smtp.provider.test", List.of(587, 2525, 465), "u", DATA.resolve("secret"), "required",
                List.of(465, 2465), null, null, Duration.ofMinutes(30), null, true));
        assertThat(c.local()).isEqualTo(new LocalConfig(DATA.resolve("mail").toString(),
                Map.of("info@example.test", List.of("alice@example.test")), Map.of()));
        assertThat(c.admin()).isEqualTo(new AdminConfig("127.0.0.1:8025", DATA.resolve("admin.token"), 0.03, 20,
                Duration.ofMinutes(30)));
        assertThat(c.log()).isEqualTo(new LogConfig(DATA.resolve("log/delivery.jsonl"), 100L * 1024 * 1024, true,
                Duration.ofDays(30), 0, true));
        assertThat(c.dkim()).containsExactly(
                new DkimConfig("example.test", "s1", DATA.resolve("dkim/example.test.s1.key")));
        assertThat(c.cluster()).isEqualTo(ClusterConfig.single());
        assertThat(c.source()).isEqualTo(resource("contract.toml"));
        assertThat(c.isEmbeddedDefault()).isFalse();
    }

    @Test
    void dataDirOverrideWinsAndMovesRelativePaths() throws Exception {
        Config c = ConfigLoader.load(resource("contract.toml"), Path.of("/srv/other/../mail"));

        assertThat(c.dataDir()).isEqualTo(Path.of("/srv/mail"));
        assertThat(c.tls().certFile()).isEqualTo(Path.of("/srv/mail/cert.pem"));
        assertThat(c.admin().tokenFile()).isEqualTo(Path.of("/srv/mail/admin.token"));
    }
}
