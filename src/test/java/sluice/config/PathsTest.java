package sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PathsTest {
    private static final String FILES = """
            [tls]
            cert_file = "tls/../tls/cert.pem"
            key_file = "/etc/ssl/key.pem"
            [admin]
            token_file = "admin.token"
            [log]
            delivery_log = "./log/d.jsonl"
            [local]
            maildir_root = "boxes"
            [[delivery.smarthosts]]
            host = "relay.test"
            username = "u"
            password_file = "secrets/relay"
            [[dkim]]
            domain = "Example.TEST"
            selector = "s1"
            key_file = "dkim/k.pem"
            """;

    @TempDir
    Path dir;

    @Test
    void relativePathsHangOffTheDataDir() throws Exception {
        Config c = load("data_dir = \"/srv/sluice/\"\n" + FILES, null);
        Path data = Path.of("/srv/sluice");

        assertThat(c.dataDir()).isEqualTo(data);
        assertThat(c.tls().certFile()).isEqualTo(data.resolve("tls/cert.pem"));
        assertThat(c.tls().keyFile()).isEqualTo(Path.of("/etc/ssl/key.pem"));
        assertThat(c.admin().tokenFile()).isEqualTo(data.resolve("admin.token"));
        assertThat(c.log().deliveryLog()).isEqualTo(data.resolve("log/d.jsonl"));
        assertThat(c.local().maildirRoot()).isEqualTo(data.resolve("boxes").toString());
        assertThat(c.delivery().smarthosts().getFirst().passwordFile()).isEqualTo(data.resolve("secrets/relay"));
        assertThat(c.dkim()).containsExactly(new DkimConfig("example.test", "s1", data.resolve("dkim/k.pem")));
    }

    @Test
    void relativeDataDirIsTakenFromTheWorkingDirectoryNotTheFile() throws Exception {
        Config c = load("data_dir = \"var/../state\"\n" + FILES, null);
        Path data = Path.of("state").toAbsolutePath();

        assertThat(c.dataDir()).isEqualTo(data).isAbsolute();
        assertThat(c.tls().certFile()).isEqualTo(data.resolve("tls/cert.pem"));
    }

    @Test
    void relativeOverrideIsTakenFromTheWorkingDirectory() throws Exception {
        Config c = load("data_dir = \"/srv/sluice\"\n" + FILES, Path.of("cli-dir"));

        assertThat(c.dataDir()).isEqualTo(Path.of("cli-dir").toAbsolutePath());
        assertThat(c.admin().tokenFile()).isEqualTo(Path.of("cli-dir/admin.token").toAbsolutePath());
    }

    @Test
    void aliasesTakeAListOrOneString() throws Exception {
        Config c = load("""
                [local]
                aliases = { "Info@Example.test" = "alice@example.test", "team@example.test" = ["a@x.test", "b@x.test"] }
                catch_all = { "Example.test" = "alice@example.test" }
                """, null);

        assertThat(c.local().aliases()).isEqualTo(Map.of(
                "info@example.test", List.of("alice@example.test"),
                "team@example.test", List.of("a@x.test", "b@x.test")));
        assertThat(c.local().catchAll()).isEqualTo(Map.of("example.test", "alice@example.test"));
    }

    @Test
    void explicitEmptyTrustedNetworksMeansNone() throws Exception {
        assertThat(load("trusted_networks = []\n", null).trustedNetworks()).isEmpty();
        assertThat(load("trusted_networks = [\"192.0.2.0/24\"]\n", null).trustedNetworks())
                .containsExactly(Cidr.parse("192.0.2.0/24"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.1.1.1", "1.1.1.1:53", "[2606:4700::1111]:53", "2606:4700::1111", "[::1]"})
    void dnsServersAcceptLiteralsWithOptionalPorts(String server) throws Exception {
        Config c = load("[delivery]\ndns_servers = [\"" + server + "\"]\n", null);
        assertThat(c.delivery().dnsServers()).containsExactly(server);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[::1]:8025", "0.0.0.0:80", "127.0.0.1:8025"})
    void adminAddresses(String address) throws Exception {
        assertThat(load("[admin]\naddress = \"" + address + "\"\n", null).admin().address()).isEqualTo(address);
    }

    @Test
    void sizesAndDurationsInTheFile() throws Exception {
        Config c = load("""
                [limits]
                max_message_size = "10MB"
                [spool]
                disk_reserve = 0
                [timeouts]
                command = 60
                data = "1m30s"
                [delivery]
                delay_warning = "0"
                retry_schedule = ["250ms", 30]
                """, null);

        assertThat(c.limits().maxMessageSize()).isEqualTo(10_000_000);
        assertThat(c.spool().diskReserve()).isZero();
        assertThat(c.timeouts().command()).hasSeconds(60);
        assertThat(c.timeouts().data()).hasSeconds(90);
        assertThat(c.delivery().delayWarning()).isZero();
        assertThat(c.delivery().retrySchedule()).containsExactly(java.time.Duration.ofMillis(250),
                java.time.Duration.ofSeconds(30));
    }

    private Config load(String toml, Path override) throws Exception {
        return ConfigLoader.load(Files.writeString(dir.resolve("sluice.toml"), toml), override);
    }
}
