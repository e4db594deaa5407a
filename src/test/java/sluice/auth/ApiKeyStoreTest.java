package sluice.auth;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.MutableClock;

/** API keys next to the users in users.json: made, found, revoked, never stored in the clear. */
class ApiKeyStoreTest {
    @TempDir Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final PasswordHash cheap = new PasswordHash(new SecureRandom(), new PasswordHash.Params(64, 1, 1));

    private UserStore open() {
        return UserStore.open(dir, clock, cheap);
    }

    @Test
    void aKeyFindsItsUserAndOnlyItsHashIsStored() throws Exception {
        UserStore store = open();
        store.put("alice@example.com", "pw".getBytes(UTF_8), List.of("@example.com"));
        String key = store.createApiKey("alice@example.com");

        assertThat(key).matches("sk_[A-Za-z0-9_-]{43}");
        assertThat(store.authenticateKey(key)).hasValueSatisfying(u -> {
            assertThat(u.name()).isEqualTo("alice@example.com");
            assertThat(u.maySendAs()).containsExactly("@example.com");
        });
        assertThat(store.authenticateKey(key + "x")).isEmpty();
        assertThat(store.authenticateKey("sk_" + "A".repeat(43))).isEmpty();
        assertThat(store.authenticateKey(null)).isEmpty();
        String file = Files.readString(dir.resolve("users.json"));
        assertThat(file).doesNotContain(key).doesNotContain(key.substring(3)).contains(ApiKey.hash(key));
        assertThat(store.apiKeys("alice@example.com")).singleElement()
                .satisfies(k -> assertThat(k.id()).isEqualTo(ApiKey.hash(key).substring(0, 8)));
    }

    @Test
    void anotherStoreOnTheSameFileSeesNewAndRevokedKeysAtOnce() throws Exception {
        UserStore server = open();
        UserStore cli = open();
        cli.put("bob", "pw".getBytes(UTF_8), List.of("*"));
        String first = cli.createApiKey("bob");
        String second = cli.createApiKey("bob");
        assertThat(server.authenticateKey(first)).isPresent();
        assertThat(server.authenticateKey(second)).isPresent();

        String secondId = ApiKey.hash(second).substring(0, 8);
        assertThat(cli.revokeApiKeys("bob", secondId)).isEqualTo(1);
        assertThat(server.authenticateKey(second)).isEmpty();
        assertThat(server.authenticateKey(first)).isPresent();

        cli.put("bob", "new password".getBytes(UTF_8), List.of("*")); // a new password keeps the keys
        assertThat(server.authenticateKey(first)).isPresent();
        assertThat(cli.revokeApiKeys("bob", null)).isEqualTo(1);
        assertThat(server.authenticateKey(first)).isEmpty();
        assertThat(server.apiKeys("bob")).isEmpty();
    }

    @Test
    void keysNeedAnExistingUser() {
        UserStore store = open();
        assertThatThrownBy(() -> store.createApiKey("nobody")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no such user: nobody");
        assertThatThrownBy(() -> store.revokeApiKeys("nobody", null)).isInstanceOf(IllegalArgumentException.class);
    }
}
