package sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** [[webhooks]]: defaults, and each mistake as one error naming the line and the key (as in ErrorsTest). */
class WebhookConfigTest {
    @TempDir
    static Path dir;

    static Stream<Arguments> mistakes() {
        String ok = "[[webhooks]]\nname = \"app\"\nurl = \"https://hooks.example.test/mail\"\n";
        return Stream.of(
                row("[[webhooks]]\nurl = \"https://h.example.test/\"", 1, "webhooks[0].name", "required key is missing"),
                row("[[webhooks]]\nname = \"app\"", 1, "webhooks[0].url", "required key is missing"),
                row("[[webhooks]]\nname = \"a b\"\nurl = \"https://h.example.test/\"", 2, "webhooks[0].name",
                        "must be 1 to 64 letters, digits"),
                row("[[webhooks]]\nname = \"app\"\nurl = \"ftp://h.example.test/\"", 3, "webhooks[0].url",
                        "must be an http:// or https:// URL"),
                row("[[webhooks]]\nname = \"app\"\nurl = \"https:///path\"", 3, "webhooks[0].url", "must name a host"),
                row("[[webhooks]]\nname = \"app\"\nurl = \"https://h .test/\"", 3, "webhooks[0].url", "not a valid URL"),
                row(ok + "events = [\"delivered\", \"opened\"]", 4, "webhooks[0].events[1]",
                        "must be one of delivered, deferred, bounced, expired, suppressed, rejected, received (got \"opened\")"),
                row(ok + "events = []", 4, "webhooks[0].events", "must list at least one event"),
                row(ok + "events = \"delivered\"", 4, "webhooks[0].events", "must be an array"),
                row(ok + "secret_file = \"a.secret\"\nprevious_secret_file = \"a.secret\"", 5,
                        "webhooks[0].previous_secret_file", "must differ from secret_file"),
                row("[[webhooks]]\nname = \"app\"\nurl = \"http://h.example.test/\"\nca_file = \"ca.pem\"", 4,
                        "webhooks[0].ca_file", "is for an https url"),
                row(ok + "max_in_flight = 0", 4, "webhooks[0].max_in_flight", "must be between 1 and 256"),
                row(ok + "timeout = \"soon\"", 4, "webhooks[0].timeout", "must be a duration"),
                row(ok + "retry_schedule = []", 4, "webhooks[0].retry_schedule", "must list at least one wait"),
                row(ok + "give_up_after = \"500ms\"", 4, "webhooks[0].give_up_after", "must be at least 1s"),
                row(ok + "secrets_file = \"x\"", 4, "webhooks[0].secrets_file", "did you mean \"secret_file\"?"),
                row(ok + "[[webhooks]]\nname = \"app\"\nurl = \"https://other.example.test/\"", 5, "webhooks[1].name",
                        "another [[webhooks]] is already named \"app\""));
    }

    private static Arguments row(String toml, int line, String key, String message) {
        return Arguments.of(toml, line, key, message);
    }

    @ParameterizedTest(name = "[{index}] {2}")
    @MethodSource("mistakes")
    void reportsLineAndKey(String toml, int line, String key, String message) throws Exception {
        Path f = Files.writeString(dir.resolve("sluice.toml"), toml);
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(f, Path.of("/tmp/d")));
        assertThat(e).as("expected a ConfigException").isNotNull();
        List<ConfigError> errors = e.errors();

        assertThat(errors).hasSize(1);
        ConfigError err = errors.getFirst();
        assertThat(err.key()).isEqualTo(key);
        assertThat(err.message()).contains(message);
        assertThat(err.line()).isEqualTo(line);
        assertThat(err.toString()).isEqualTo(f + ":" + line + ": " + key + ": " + err.message());
    }

    @Test
    void defaults() throws Exception {
        Path f = Files.writeString(dir.resolve("defaults.toml"), """
                [[webhooks]]
                name = "app"
                url = "https://hooks.example.test/mail"
                """);

        WebhookConfig w = ConfigLoader.load(f, Path.of("/tmp/d")).webhooks().getFirst();

        assertThat(w.events()).containsExactlyInAnyOrderElementsOf(WebhookConfig.EVENTS);
        assertThat(w.secretFile()).isEqualTo(Path.of("/tmp/d/webhooks/app.secret"));
        assertThat(w.previousSecretFile()).isNull();
        assertThat(w.caFile()).isNull();
        assertThat(w.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(w.maxInFlight()).isEqualTo(8);
        assertThat(w.retrySchedule()).isEqualTo(WebhookConfig.STANDARD_SCHEDULE);
        assertThat(w.giveUpAfter()).isEqualTo(Duration.ofHours(28));
    }

    @Test
    void theContractsExampleLoads() throws Exception {
        Path f = Files.writeString(dir.resolve("contract.toml"), """
                [[webhooks]]
                name = "app"
                url = "https://hooks.example.test/mail"
                events = ["delivered", "deferred", "bounced", "expired", "suppressed", "rejected", "received"]  # default: all
                secret_file = "webhooks/app.secret"     # "whsec_" + base64 secret; generated (0600) when absent
                ca_file = ""                            # optional PEM to trust for this endpoint (tests)
                """);

        WebhookConfig w = ConfigLoader.load(f, Path.of("/tmp/d")).webhooks().getFirst();

        assertThat(w.caFile()).isNull();
        assertThat(w.secretFile()).isEqualTo(Path.of("/tmp/d/webhooks/app.secret"));
    }
}
