package sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each kind of mistake: one error naming the line and the dotted key. */
class ErrorsTest {
    @TempDir
    static Path dir;

    static Stream<Arguments> mistakes() {
        return Stream.of(
                // toml, line, key, message (contained)
                row("hostnme = \"x\"", 1, "hostnme", "unknown key (did you mean \"hostname\"?)"),
                row("[limits]\nmax_recipient = 5", 2, "limits.max_recipient", "did you mean \"max_recipients\"?"),
                row("[limit]\nmax_recipients = 5", 1, "limit", "did you mean \"limits\"?"),
                row("[limits]\nzzz = 5", 2, "limits.zzz", "unknown key"),
                row("[mailauth]\ndnsbl = [\"zen.spamhaus.org\", \"not a zone!\"]", 2, "mailauth.dnsbl[1]",
                        "must be a DNS blocklist zone such as \"zen.spamhaus.org\" (got \"not a zone!\")"),
                row("hostname = 5", 1, "hostname", "must be a string (got 5)"),
                row("hostname = \"not a host\"", 1, "hostname", "must be a host name"),
                // a line break in the value (a TOML escape) is shown escaped: the error stays one line
                row("hostname = \"mx.exam\\nple\"", 1, "hostname", "(got \"mx.exam\\nple\")"),
                row("local_domains = \"example.test\"", 1, "local_domains", "must be an array (got \"example.test\")"),
                row("local_domains = [\"a.test\",\n  \"b c\"]", 2, "local_domains[1]", "must be a domain name"),
                row("trusted_networks = [\"10.0.0.0/8\", \"10.0.0.0/40\"]", 1, "trusted_networks[1]",
                        "prefix length out of range"),
                row("trusted_networks = [\n\"10.0.0.0/8\",\n\"localnet\"\n]", 3, "trusted_networks[1]",
                        "not an IP address: localnet"),
                row("\n[[listeners]]\nport = 25\nmode = \"mx\"\n\n[[listeners]]\nport = 26\nmode = \"smtp\"", 8,
                        "listeners[1].mode", "must be one of mx, submission, submissions (got \"smtp\")"),
                row("[[listeners]]\nport = 25\nmode = \"mx\"\naddress = \"mail.example.test\"", 4,
                        "listeners[0].address", "must be a literal IP address"),
                row("[[listeners]]\nport = 0\nmode = \"mx\"", 2, "listeners[0].port", "must be between 1 and 65535 (got 0)"),
                row("[[listeners]]\nport = 70000\nmode = \"mx\"", 2, "listeners[0].port", "must be between 1 and 65535"),
                row("[[listeners]]\nport = \"25\"\nmode = \"mx\"", 2, "listeners[0].port", "must be an integer (got \"25\")"),
                row("\n[[listeners]]\nmode = \"mx\"", 2, "listeners[0].port", "required key is missing"),
                row("[[listeners]]\nport = 25\n", 1, "listeners[0].mode", "required key is missing"),
                row("[[listeners]]\nport = 25\nmode = \"mx\"\nrequire_tls = \"yes\"", 4, "listeners[0].require_tls",
                        "must be true or false (got \"yes\")"),
                row("[[listeners]]\nport = 25\nmode = \"mx\"\nallow = [\"10.0.0.0/8\", 5]", 4, "listeners[0].allow[1]",
                        "must be a string (got 5)"),
                row("[[listeners]]\nport = 25\nmode = \"mx\"\nprot = 2", 4, "listeners[0].prot",
                        "did you mean \"port\"?"),
                row("[[listeners]]\nport = 25\nmode = \"mx\"\n[[listeners]]\nport = 25\nmode = \"submission\"", 5,
                        "listeners[1].port", "port 25 on all addresses is already used by listeners[0]"),
                row("[[listeners]]\naddress = \"::1\"\nport = 25\nmode = \"mx\"\n"
                        + "[[listeners]]\naddress = \"0:0:0:0:0:0:0:1\"\nport = 25\nmode = \"mx\"", 7,
                        "listeners[1].port", "already used by listeners[0] (::1)"),
                row("[[listeners]]\naddress = \"0.0.0.0\"\nport = 25\nmode = \"mx\"\n"
                        + "[[listeners]]\naddress = \"127.0.0.1\"\nport = 25\nmode = \"mx\"", 7,
                        "listeners[1].port", "already used"),
                row("[[listeners]]\nport = 25\nmode = \"mx\"\nproxy_protocol = true", 4, "listeners[0].proxy_protocol",
                        "needs proxy_from: the networks of the load balancers allowed to send a PROXY header"),
                row("[[listeners]]\nport = 25\nmode = \"mx\"\nproxy_protocol = true\nproxy_from = []", 5,
                        "listeners[0].proxy_from", "must not be empty when proxy_protocol = true"),
                row("[[listeners]]\nport = 25\nmode = \"mx\"\nproxy_protocol = true\nproxy_from = [\"lb.example\"]", 5,
                        "listeners[0].proxy_from[0]", "must be a network like"),
                row("listeners = { port = 25 }", 1, "listeners", "must be an array of tables ([[listeners]])"),
                row("[tls]\ncert_file = \"c.pem\"", 1, "tls.key_file", "required when cert_file is set"),
                row("[tls]\nkey_file = \"k.pem\"", 1, "tls.cert_file", "required when key_file is set"),
                row("[tls]\nreload_interval = \"soon\"", 2, "tls.reload_interval", "must be a duration like"),
                row("tls = 5", 1, "tls", "must be a table"),
                row("[limits]\nmax_message_size = \"25 furlongs\"", 2, "limits.max_message_size", "must be a size"),
                row("[limits]\nmax_message_size = 1.5", 2, "limits.max_message_size", "must be a size in bytes"),
                row("[limits]\nmax_message_size = 0", 2, "limits.max_message_size", "must be at least 1 bytes"),
                row("[limits]\nmax_recipients = 0", 2, "limits.max_recipients", "must be between 1 and"),
                row("[limits]\nipv6_prefix = 31", 2, "limits.ipv6_prefix", "must be between 32 and 128 (got 31)"),
                row("[limits]\nipv6_prefix = 129", 2, "limits.ipv6_prefix", "must be between 32 and 128 (got 129)"),
                row("[limits]\nmax_connections = 99999999999999999999", 2, "limits.max_connections", "must be between"),
                row("[timeouts]\ncommand = \"0s\"", 2, "timeouts.command", "must be longer than zero"),
                row("[timeouts]\ndata = \"3 minutes\"", 2, "timeouts.data", "must be a duration"),
                row("[timeouts]\nhandshake = -5", 2, "timeouts.handshake", "must be a duration"),
                row("[auth]\nmax_failures = 0", 2, "auth.max_failures", "must be between 1"),
                row("[auth]\nwindow = true", 2, "auth.window", "must be a duration like \"30s\" or \"5m\" (got true)"),
                row("[spool]\ndisk_reserve = -1", 2, "spool.disk_reserve", "must be at least 0 bytes"),
                row("[delivery]\nmx_port = 0", 2, "delivery.mx_port", "must be between 1 and 65535"),
                row("[delivery]\ndns_servers = [\"8.8.8.8\", \"dns.google\"]", 2, "delivery.dns_servers[1]",
                        "literal IP address"),
                row("[delivery]\ndns_servers = [\"1.1.1.1:99999\"]", 2, "delivery.dns_servers[0]", "between 1 and 65535"),
                row("[delivery]\nretry_schedule = []", 2, "delivery.retry_schedule", "at least one interval"),
                row("[delivery]\nretry_schedule = [\n  \"5m\",\n  \"0s\",\n]", 4, "delivery.retry_schedule[1]",
                        "must be longer than zero"),
                row("[delivery]\nmax_queue_lifetime = \"5 days\"", 2, "delivery.max_queue_lifetime", "duration"),
                row("[delivery]\nmta_sts = \"testing\"", 2, "delivery.mta_sts", "must be one of enforce, off"),
                row("[delivery]\ndane = \"mandatory\"", 2, "delivery.dane", "must be one of opportunistic, off"),
                row("[delivery]\nmta_sts_port = 0", 2, "delivery.mta_sts_port", "between 1 and 65535"),
                row("[delivery]\ntls_reports = \"yes\"", 2, "delivery.tls_reports", "must be true or false"),
                row("[[delivery.smarthosts]]\nports = [587]", 1, "delivery.smarthosts[0].host", "required key is missing"),
                row("[[delivery.smarthosts]]\nhost = \"h.test\"\nusername = \"u\"", 1,
                        "delivery.smarthosts[0].password_file", "required when username is set"),
                row("[[delivery.smarthosts]]\nhost = \"h.test\"\ntls = \"maybe\"", 3, "delivery.smarthosts[0].tls",
                        "must be one of required, opportunistic"),
                row("[[delivery.smarthosts]]\nhost = \"h.test\"\nprovider = \"postmark\"", 3,
                        "delivery.smarthosts[0].provider", "must be one of ses, sendgrid, mailgun, powermta"),
                row("[[delivery.smarthosts]]\nhost = \"h.test\"\nports = [587, 0]", 3, "delivery.smarthosts[0].ports[1]",
                        "between 1 and 65535"),
                row("[local]\naliases = { \"info@example.test\" = [] }", 2, "local.aliases.\"info@example.test\"",
                        "at least one target"),
                row("[local]\naliases = { \"info@example.test\" = [\"alice\"] }", 2,
                        "local.aliases.\"info@example.test\"[0]", "must be an address"),
                row("[local.catch_all]\n\"example.test\" = 5", 2, "local.catch_all.\"example.test\"", "must be a string"),
                row("[admin]\naddress = \"localhost:8025\"", 2, "admin.address", "literal IP address"),
                row("[admin]\naddress = \"127.0.0.1\"", 2, "admin.address", "a port is required"),
                row("[admin]\naddress = \"127.0.0.1:0\"", 2, "admin.address", "between 1 and 65535"),
                row("[log]\ndelivery_log = \"\"", 2, "log.delivery_log", "must not be empty"),
                row("[log]\nmax_size = \"100 apples\"", 2, "log.max_size", "must be a size"),
                row("[log]\nmax_size = 10", 2, "log.max_size", "must be at least 1024 bytes"),
                row("[log]\nrotate_daily = \"yes\"", 2, "log.rotate_daily", "must be true or false"),
                row("[log]\nretention = \"30 days\"", 2, "log.retention", "must be a duration"),
                row("[log]\nmax_files = -1", 2, "log.max_files", "must be between 0 and"),
                row("[log]\ncompres = false", 2, "log.compres", "did you mean \"compress\"?"),
                row("[[dkim]]\ndomain = \"example.test\"\nselector = \"s1\"", 1, "dkim[0].key_file", "required key is missing"),
                row("[[dkim]]\nselector = \"s1\"\nkey_file = \"k\"", 1, "dkim[0].domain", "required key is missing"),
                row("[cluster]\nredis = \"127.0.0.1:6379\"", 2, "cluster.redis", "must start with redis:// or rediss://"),
                row("[cluster]\nredis = \"redis://redis.example.test:6379\"", 2, "cluster.redis", "the host must be a literal IP address"),
                row("[cluster]\nredis = \"redis://:hunter2@10.0.0.5:6379/x\"", 2, "cluster.redis", "(got \"redis://***@10.0.0.5:6379/x\")"),
                row("[cluster]\nredis_cluster = [\"redis-1:7000\"]", 2, "cluster.redis_cluster[0]", "must be a Redis Cluster node as IP:PORT"),
                row("[cluster]\nredis = \"redis://10.0.0.5\"\nredis_cluster = [\"10.0.0.6:7000\"]", 3, "cluster.redis_cluster", "not both"),
                row("[cluster]\ndegraded_share = \"half\"", 2, "cluster.degraded_share", "must be \"auto\" or a number"),
                row("[cluster]\ndegraded_share = 1.5", 2, "cluster.degraded_share", "must be between"),
                row("[cluster]\nnode_name = \"a b\"", 2, "cluster.node_name", "must be 1-63 letters"),
                row("[cluster]\ntimeout = \"1m\"", 2, "cluster.timeout", "must be at most 10s"),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"out.example.test\"\nehlo = \"o.example.test\"", 3,
                        "egress.sources[0].address", "must be a literal IP address such as \"192.0.2.10\" (got \"out.example.test\")"),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"\nehlo = \"not a name\"", 4,
                        "egress.sources[0].ehlo", "must be a host name"),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"", 1,
                        "egress.sources[0].ehlo", "required key is missing"),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"\nehlo = \"out1.example.test\"\n[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.3\"\nehlo = \"o.example.test\"", 6,
                        "egress.sources[1].name", "another source is already named \"ip1\""),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"\nehlo = \"out1.example.test\"\n[[egress.sources]]\nname = \"ip2\"\naddress = \"127.0.0.3\"\nehlo = \"o.example.test\"\nwarmup_start = \"soon\"", 9,
                        "egress.sources[1].warmup_start", "must be a date like \"2026-12-01\" (got \"soon\")"),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"\nehlo = \"out1.example.test\"\n[[egress.pools]]\nname = \"bulk\"\nsources = [\"ip1\", \"ip9\"]", 7,
                        "egress.pools[0].sources[1]", "no [[egress.sources]] is named \"ip9\""),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"\nehlo = \"out1.example.test\"\n[[egress.pools]]\nname = \"bulk\"\nsources = [\"ip1\"]\nweights = [1, 3]", 8,
                        "egress.pools[0].weights", "must have one weight per source (1 sources, 2 weights)"),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"\nehlo = \"out1.example.test\"\n[[egress.pools]]\nname = \"bulk\"\nsources = [\"ip1\"]\nweights = [0]", 8,
                        "egress.pools[0].weights[0]", "must be between 1 and 1000000 (got 0)"),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"\nehlo = \"out1.example.test\"\n[[egress.pools]]\nname = \"bulk\"\nsources = []", 7,
                        "egress.pools[0].sources", "must name at least one source"),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"\nehlo = \"out1.example.test\"\n[[egress.pools]]\nname = \"bulk\"\nsources = [\"ip1\"]\noverflow = \"drop\"", 8,
                        "egress.pools[0].overflow", "must be one of spill, wait (got \"drop\")"),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"\nehlo = \"out1.example.test\"\n[[egress.pools]]\nname = \"b\"\nsources = [\"ip1\"]\n[[egress.pools]]\nname = \"b\"\nsources = [\"ip1\"]", 9,
                        "egress.pools[1].name", "another pool is already named \"b\""),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"\nehlo = \"out1.example.test\"\n[[egress.pools]]\nname = \"bulk\"\nsources = [\"ip1\"]\n[egress]\ndefault_pool = \"bluk\"", 9,
                        "egress.default_pool", "no [[egress.pools]] is named \"bluk\" (pools: bulk)"),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"\nehlo = \"o.example.test\"\nwarmup = \"slow\"", 5,
                        "egress.sources[0].warmup", "no [warmup.slow] schedule is configured"),
                row("[warmup.slow]\ndaily = [50, 0]", 2, "warmup.slow.daily[1]", "must be between 1 and"),
                row("[[shaping]]\nmatch = \"mx:\"\ngroup = \"g\"", 2, "shaping[0].match", "\"mx:\" must be followed by a host name suffix"),
                row("[[shaping]]\nmatch = \"mx:.google.com\"", 1, "shaping[0].group", "missing"),
                row("[[shaping]]\nmatch = \"example.com\"\nmax_message_rate = \"100/fortnight\"", 3, "shaping[0].max_message_rate", "must end in /s, /min, /h or /d"),
                row("[[shaping]]\nmatch = \"example.com\"\nmax_message_rate = \"fast\"", 3, "shaping[0].max_message_rate", "must be a rate such as"),
                row("[[shaping]]\nmatch = \"example.com\"\ntls = \"maybe\"", 3, "shaping[0].tls", "must be one of required, opportunistic"),
                row("[[shaping]]\nmatch = \"*\"\ngroup = \"all\"", 3, "shaping[0].group", "a \"*\" rule shapes each other domain"),
                row("[[shaping]]\nmatch = \"a.example\"\n[[shaping]]\nmatch = \"a.example\"", 4, "shaping[1].match", "another rule already matches"),
                row("[[shaping]]\nmatch = \"a.example\"\nmax_connections = 0", 3, "shaping[0].max_connections", "must be between 1 and"),
                row("[[shaping]]\nmatch = \"a.example\"\nburst = 3", 3, "shaping[0].burst", "unknown key"),
                row("[warmup.slow]\ndaily = [50]\nadvance = \"weekly\"", 3, "warmup.slow.advance",
                        "must be one of used, calendar"),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"\nehlo = \"o.example.test\"\n[egress]\ndnsbl_zones = [\"zen spamhaus\"]", 6,
                        "egress.dnsbl_zones[0]", "must be a DNS blocklist zone such as \"zen.spamhaus.org\" (got \"zen spamhaus\")"),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"\nehlo = \"o.example.test\"\n[egress]\ndnsbl_zones = \"zen.spamhaus.org\"", 6, "egress.dnsbl_zones", "must be an array"),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"\nehlo = \"o.example.test\"\n[egress]\ndnsbl_interval = \"10s\"", 6, "egress.dnsbl_interval", "must be at least 1m (got 10s)"),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"\nehlo = \"o.example.test\"\n[egress]\ndnsbl_interval = \"often\"", 6, "egress.dnsbl_interval", "must be a duration"),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"\nehlo = \"o.example.test\"\n[egress]\ndnsbl_action = \"block\"", 6, "egress.dnsbl_action", "must be one of remove, alert (got \"block\")"),
                row("[[egress.sources]]\nname = \"ip1\"\naddress = \"127.0.0.2\"\nehlo = \"o.example.test\"\n[egress]\ndnsbl_zone = [\"bl.test\"]", 6, "egress.dnsbl_zone", "did you mean \"dnsbl_zones\"?"),
                row("[egress]\ndnsbl_zones = [\"zen.spamhaus.org\"]", 2, "egress.dnsbl_zones",
                        "checks the addresses of [[egress.sources]], and none is configured"),
                row("[egress]\nshaping_window = \"2d\"", 2, "egress.shaping_window", "must be between 1s and 1d (got 48h)"),
                row("[egress]\npool_by_user = { \"app@example.test\" = \"tx\" }", 2,
                        "egress.pool_by_user.\"app@example.test\"", "no [[egress.pools]] is named \"tx\""),
                row("[egress]\npool_by_sender_domain = { \"not a domain\" = \"tx\" }", 2,
                        "egress.pool_by_sender_domain.\"not a domain\"", "must be a domain name"));
    }

    private static Arguments row(String toml, int line, String key, String message) {
        return Arguments.of(toml, line, key, message);
    }

    @ParameterizedTest(name = "[{index}] {2}")
    @MethodSource("mistakes")
    void reportsLineAndKey(String toml, int line, String key, String message) throws Exception {
        List<ConfigError> errors = errors(toml);

        assertThat(errors).hasSize(1);
        ConfigError e = errors.getFirst();
        assertThat(e.file()).isEqualTo(dir.resolve("sluice.toml"));
        assertThat(e.key()).isEqualTo(key);
        assertThat(e.message()).contains(message);
        assertThat(e.line()).isEqualTo(line);
        assertThat(e.toString()).isEqualTo(dir.resolve("sluice.toml") + ":" + line + ": " + key + ": " + e.message());
    }

    @Test
    void reportsEveryErrorAtOnceInFileOrder() throws Exception {
        List<ConfigError> errors = errors("""
                hostname = "mx1.example.test"
                trusted_networks = ["10.0.0.0/8", "nonsense"]

                [[listeners]]
                address = "mx.example.test"
                port = 25
                mode = "smtp"

                [limits]
                max_recipients = -1
                max_mesage_size = 10

                [delivery]
                retry_schedule = ["5m", "forever"]
                """);

        assertThat(errors).extracting(ConfigError::line, ConfigError::key).containsExactly(
                org.assertj.core.groups.Tuple.tuple(2, "trusted_networks[1]"),
                org.assertj.core.groups.Tuple.tuple(5, "listeners[0].address"),
                org.assertj.core.groups.Tuple.tuple(7, "listeners[0].mode"),
                org.assertj.core.groups.Tuple.tuple(10, "limits.max_recipients"),
                org.assertj.core.groups.Tuple.tuple(11, "limits.max_mesage_size"),
                org.assertj.core.groups.Tuple.tuple(14, "delivery.retry_schedule[1]"));
    }

    static Stream<Arguments> syntaxErrors() {
        return Stream.of(
                Arguments.of("a = 1\nb = = 2\n", 2, "", "TOML syntax error"),
                Arguments.of("hostname = \"unterminated\nport = 2\n", 1, "", "TOML syntax error"),
                Arguments.of("[limits\nmax_recipients = 2\n", 1, "", "TOML syntax error"),
                Arguments.of("[limits]\nmax_recipients = 1\n\n[limits]\nmax_errors = 2\n", 4, "", "TOML syntax error"),
                Arguments.of("hostname = \"a\"\n\n\nhostname = \"b\"\n", 4, "hostname", "key is defined twice"),
                Arguments.of("[[listeners]]\nport = 25\nport = 26\n", 3, "listeners[0].port", "key is defined twice"));
    }

    @ParameterizedTest
    @MethodSource("syntaxErrors")
    void syntaxErrorIsOneErrorWithItsLine(String toml, int line, String key, String message) throws Exception {
        List<ConfigError> errors = errors(toml);

        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.line()).isEqualTo(line);
            assertThat(e.key()).isEqualTo(key);
            assertThat(e.message()).contains(message);
        });
    }

    @Test
    void missingFileIsAnErrorNotAnException() {
        Path missing = dir.resolve("nope.toml");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(missing, null));

        assertThat(e.errors()).singleElement().hasToString(missing + ": file not found");
    }

    private static List<ConfigError> errors(String toml) throws Exception {
        Path f = Files.writeString(dir.resolve("sluice.toml"), toml);
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(f, Path.of("/tmp/d")));
        assertThat(e).as("expected a ConfigException").isNotNull();
        return e.errors();
    }
}
