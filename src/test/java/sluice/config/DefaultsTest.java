package sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultsTest {
    private static final Path CWD_DATA = Path.of("sluice-data").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void embeddedDefaultFollowsTheContract() {
        Config c = ConfigLoader.embeddedDefault(null);
        String host = SystemHostname.read();

        assertThat(c.source()).isNull();
        assertThat(c.isEmbeddedDefault()).isTrue();
        assertThat(c.hostname()).isEqualTo(host);
        assertThat(c.dataDir()).isEqualTo(CWD_DATA);
        assertThat(c.listeners()).extracting(ListenerConfig::port, ListenerConfig::mode)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(25, ListenerMode.MX),
                        org.assertj.core.groups.Tuple.tuple(587, ListenerMode.SUBMISSION),
                        org.assertj.core.groups.Tuple.tuple(465, ListenerMode.SUBMISSIONS),
                        org.assertj.core.groups.Tuple.tuple(2525, ListenerMode.SUBMISSION));
        assertThat(c.listeners()).allSatisfy(l -> {
            assertThat(l.address()).isNull();
            assertThat(l.highPortFallback()).isTrue();
            assertThat(l.requireTls()).isEqualTo(l.mode().isSubmission());
        });
        assertThat(c.localDomains()).containsExactlyElementsOf(
                host.equalsIgnoreCase("localhost") ? List.of("localhost") : List.of("localhost", host.toLowerCase()));
        assertThat(c.trustedNetworks()).containsExactly(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128"));
        assertThat(c.admin()).isEqualTo(new AdminConfig("127.0.0.1:8025", CWD_DATA.resolve("admin.token"), 0.03, 20,
                Duration.ofMinutes(30)));
        assertAllOtherDefaults(c, CWD_DATA);
    }

    @Test
    void embeddedDefaultTakesTheDataDirOverride() {
        Config c = ConfigLoader.embeddedDefault(Path.of("some/../rel"));

        assertThat(c.dataDir()).isEqualTo(Path.of("rel").toAbsolutePath());
        assertThat(c.log().deliveryLog()).isEqualTo(Path.of("rel/log/delivery.jsonl").toAbsolutePath());
    }

    @Test
    void emptyFileGivesEveryDefaultButNoHighPortFallback() throws Exception {
        Path f = Files.writeString(dir.resolve("sluice.toml"), "# nothing here\n");
        Config c = ConfigLoader.load(f, null);

        assertThat(c.hostname()).isEqualTo(SystemHostname.read());
        assertThat(c.dataDir()).isEqualTo(CWD_DATA);
        assertThat(c.listeners()).isEqualTo(Defaults.listeners(false));
        assertThat(c.listeners()).noneMatch(ListenerConfig::highPortFallback);
        assertThat(c.trustedNetworks()).containsExactly(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128"));
        assertThat(c.admin().address()).isEqualTo("127.0.0.1:8025");
        assertThat(c.source()).isEqualTo(f);
        assertAllOtherDefaults(c, CWD_DATA);
    }

    @Test
    void localDomainsDefaultToLocalhostAndTheConfiguredHostname() throws Exception {
        Path f = Files.writeString(dir.resolve("sluice.toml"), "hostname = \"MX1.Example.test\"\n");

        assertThat(ConfigLoader.load(f, null).localDomains()).containsExactly("localhost", "mx1.example.test");
    }

    @Test
    void listenerDefaults() throws Exception {
        Path f = Files.writeString(dir.resolve("sluice.toml"), """
                [[listeners]]
                port = 25
                mode = "mx"
                [[listeners]]
                port = 587
                mode = "submission"
                [[listeners]]
                port = 465
                mode = "submissions"
                """);

        assertThat(ConfigLoader.load(f, null).listeners()).containsExactly(
                new ListenerConfig(null, 25, ListenerMode.MX, false, false, List.of(), List.of(), false),
                new ListenerConfig(null, 587, ListenerMode.SUBMISSION, true, false, List.of(), List.of(), false),
                new ListenerConfig(null, 465, ListenerMode.SUBMISSIONS, true, false, List.of(), List.of(), false));
    }

    @Test
    void smarthostDefaults() throws Exception {
        Path f = Files.writeString(dir.resolve("sluice.toml"), """
                [[delivery.smarthosts]]
                host = "relay.example.test"
                """);

        assertThat(ConfigLoader.load(f, null).delivery().smarthosts()).containsExactly(new SmarthostConfig(
                List.of("*"), "relay.example.test", List.of(587, 2525, 465), null, null, "required",
                List.of(465, 2465), null, null, Duration.ofMinutes(30), null, true));
    }

    @Test
    void providerPresetsFillHostAndPortOrder() throws Exception {
        Path f = Files.writeString(dir.resolve("presets.toml"), """
                [[delivery.smarthosts]]
                provider = "ses"
                region = "eu-west-1"
                [[delivery.smarthosts]]
                provider = "sendgrid"
                [[delivery.smarthosts]]
                provider = "mailgun"
                region = "eu"
                [[delivery.smarthosts]]
                provider = "powermta"
                host = "pmta.example.test"
                """);
        List<SmarthostConfig> s = ConfigLoader.load(f, null).delivery().smarthosts();
        assertThat(s).extracting(SmarthostConfig::host).containsExactly("email-smtp.eu-west-1.amazonaws.com",
                "smtp.sendgrid.net", "smtp.eu.mailgun.org", "pmta.example.test");
        assertThat(s).extracting(SmarthostConfig::ports).containsExactly(List.of(587, 2587, 465, 2465, 25),
                List.of(587, 2525, 465, 25), List.of(587, 2525, 465, 25), List.of(25, 587, 2525));
    }

    @Test
    void transitSecurityKeys() throws Exception {
        Path f = dir.resolve("transit.toml");
        Files.writeString(f, "[delivery]\nmta_sts = \"off\"\ndane = \"off\"\ndnssec_trust_anchor = \"anchor.ds\"\n"
                + "tls_reports = false\nmta_sts_port = 8443\nca_file = \"/etc/ca.pem\"\n");
        TransitConfig t = ConfigLoader.load(f, null).delivery().transit();
        assertThat(t).isEqualTo(new TransitConfig("off", "off", CWD_DATA.resolve("anchor.ds"), false, 8443,
                Path.of("/etc/ca.pem")));
        assertThat(t.mtaStsOn()).isFalse();
        assertThat(t.daneOn()).isFalse();
        Files.writeString(f, "[delivery]\nca_file = \"\"\n");
        assertThat(ConfigLoader.load(f, null).delivery().transit()).isEqualTo(TransitConfig.defaults());
    }

    @Test
    void logRotationKeys() throws Exception {
        Path f = Files.writeString(dir.resolve("log.toml"), """
                data_dir = "%s"
                [log]
                max_size = "10MiB"
                rotate_daily = false
                retention = "7d"
                max_files = 20
                compress = false
                """.formatted(dir));

        assertThat(ConfigLoader.load(f, null).log()).isEqualTo(new LogConfig(dir.resolve("log/delivery.jsonl"),
                10L << 20, false, Duration.ofDays(7), 20, false));
    }

    private static void assertAllOtherDefaults(Config c, Path data) {
        assertThat(c.tls()).isEqualTo(new TlsConfig(null, null, Duration.ofSeconds(60)));
        assertThat(c.tls().selfSigned()).isTrue();
        assertThat(c.limits()).isEqualTo(new LimitsConfig(26214400, 100, 10000, 50, 10, 0, 0, 0));
        assertThat(c.timeouts()).isEqualTo(new TimeoutsConfig(Duration.ofMinutes(5), Duration.ofMinutes(3),
                Duration.ofSeconds(30), Duration.ofSeconds(30)));
        assertThat(c.auth()).isEqualTo(new AuthConfig(5, Duration.ofMinutes(10), Duration.ofMinutes(10),
                Duration.ofSeconds(1)));
        assertThat(c.spool()).isEqualTo(new SpoolConfig(256L * 1024 * 1024, true));
        assertThat(c.delivery()).isEqualTo(new DeliveryConfig(25, List.of(), List.of(Duration.ofMinutes(5),
                Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2),
                Duration.ofHours(4)), Duration.ofDays(5), Duration.ofHours(4), List.of(), false, 20,
                Duration.ofSeconds(30), Duration.ofSeconds(5), null, "opportunistic", Map.of(), null));
        assertThat(c.local()).isEqualTo(new LocalConfig(data.resolve("mail").toString(), Map.of(), Map.of()));
        assertThat(c.admin().tokenFile()).isEqualTo(data.resolve("admin.token"));
        assertThat(c.log()).isEqualTo(new LogConfig(data.resolve("log/delivery.jsonl"), 100L * 1024 * 1024, true,
                Duration.ofDays(30), 0, true));
        assertThat(c.dkim()).isEmpty();
        assertThat(c.cluster()).isEqualTo(ClusterConfig.single());
    }
}
