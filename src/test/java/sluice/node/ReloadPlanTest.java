package sluice.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import sluice.config.Config;
import sluice.config.ConfigLoader;

/** Which changes a reload applies and which it names as needing a restart, from the two configs alone. */
class ReloadPlanTest {
    private static final String BASE = """
            hostname = "mx.sluice.test"
            local_domains = ["example.test"]
            trusted_networks = ["127.0.0.0/8"]

            [[listeners]]
            address = "127.0.0.1"
            port = 2525
            mode = "mx"

            [limits]
            max_message_size = 1000000
            messages_per_ip_per_minute = 60

            [auth]
            max_failures = 5

            [local]
            aliases = { "sales@example.test" = "postmaster@example.test" }

            [delivery]
            retry_schedule = ["1m", "5m"]

            [[shaping]]
            match = "gmail.com"
            group = "google"
            max_connections = 5
            """;

    @TempDir
    Path dir;

    static Stream<Arguments> changes() {
        return Stream.of(
                Arguments.of("nothing", BASE, List.of(), List.of()),
                Arguments.of("a rule moved down the file",
                        BASE.replace("[[shaping]]", "\n\n[[shaping]]"), List.of(), List.of()),
                Arguments.of("max_message_size",
                        BASE.replace("max_message_size = 1000000", "max_message_size = 2000000"), List.of("[limits]"), List.of()),
                Arguments.of("a per-IP rate",
                        BASE.replace("messages_per_ip_per_minute = 60", "messages_per_ip_per_minute = 10"), List.of("[limits]"), List.of()),
                Arguments.of("ipv6_prefix",
                        BASE.replace("[limits]", "[limits]\nipv6_prefix = 56"), List.of(), List.of("[limits] ipv6_prefix")),
                Arguments.of("AUTH thresholds",
                        BASE.replace("max_failures = 5", "max_failures = 3"), List.of("[auth]"), List.of()),
                Arguments.of("trusted networks",
                        BASE.replace("[\"127.0.0.0/8\"]", "[\"127.0.0.0/8\", \"10.0.0.0/8\"]"), List.of("trusted_networks"), List.of()),
                Arguments.of("an alias",
                        BASE.replace("sales@", "info@"), List.of("[local] aliases"), List.of()),
                Arguments.of("a catch-all",
                        BASE.replace("[local]", "[local]\ncatch_all = { \"example.test\" = \"postmaster@example.test\" }"),
                        List.of("[local] catch_all"), List.of()),
                Arguments.of("a shaping limit",
                        BASE.replace("max_connections = 5", "max_connections = 2"), List.of("[[shaping]]"), List.of()),
                Arguments.of("the hostname",
                        BASE.replace("mx.sluice.test", "mx2.sluice.test"), List.of(), List.of("hostname")),
                Arguments.of("a listener",
                        BASE.replace("port = 2525", "port = 2526"), List.of(), List.of("[[listeners]]")),
                Arguments.of("local domains",
                        BASE.replace("[\"example.test\"]", "[\"example.test\", \"other.test\"]"), List.of(), List.of("local_domains")),
                Arguments.of("delivery",
                        BASE.replace("[\"1m\", \"5m\"]", "[\"2m\"]"), List.of(), List.of("[delivery]")),
                Arguments.of("live and restart together",
                        BASE.replace("mx.sluice.test", "mx2.sluice.test").replace("max_failures = 5", "max_failures = 3"),
                        List.of("[auth]"), List.of("hostname")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void classifiesAChange(String what, String next, List<String> live, List<String> restart) throws Exception {
        ReloadPlan plan = ReloadPlan.of(load("old.toml", BASE), load("new.toml", next));
        assertThat(plan.live()).as("applied").containsExactlyElementsOf(live);
        assertThat(plan.needsRestart()).as("needs a restart").containsExactlyElementsOf(restart);
    }

    @Test
    void inAClusterRatesAndAuthThresholdsWaitForARestartOfTheFleet() throws Exception {
        String cluster = BASE + "\n[cluster]\nredis = \"redis://127.0.0.1:6399\"\n";
        String next = cluster.replace("messages_per_ip_per_minute = 60", "messages_per_ip_per_minute = 10")
                .replace("max_failures = 5", "max_failures = 3");
        Config old = load("old.toml", cluster), file = load("new.toml", next);
        ReloadPlan plan = ReloadPlan.of(old, file);
        assertThat(plan.live()).isEmpty();
        assertThat(plan.needsRestart()).containsExactly("[limits] per-IP and per-user rates (shared by the cluster)", "[auth]");
        Config effective = ReloadPlan.effective(old, file, false);
        assertThat(effective.limits().messagesPerIpPerMinute()).isEqualTo(60);
        assertThat(effective.auth().maxFailures()).isEqualTo(5);
    }

    @Test
    void whatNeedsARestartKeepsItsOldValueAndIsNamedAgainOnTheNextReload() throws Exception {
        Config old = load("old.toml", BASE);
        Config file = load("new.toml", BASE.replace("mx.sluice.test", "mx2.sluice.test")
                .replace("max_message_size = 1000000", "max_message_size = 2000000"));
        Config effective = ReloadPlan.effective(old, file, false);
        assertThat(effective.hostname()).isEqualTo("mx.sluice.test");
        assertThat(effective.limits().maxMessageSize()).isEqualTo(2_000_000);
        assertThat(ReloadPlan.of(effective, file).needsRestart()).containsExactly("hostname");
        assertThat(ReloadPlan.of(effective, file).live()).isEmpty();
    }

    private Config load(String name, String toml) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, toml);
        return ConfigLoader.load(file, dir.resolve("data"));
    }
}
