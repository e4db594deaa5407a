package sluice.auth;

import sluice.testkit.MutableClock;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UserStoreTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    // Cheap costs keep the suite fast; PasswordHashTest covers the real ones.
    private final PasswordHash cheap = new PasswordHash(new SecureRandom(), new PasswordHash.Params(64, 1, 1));

    private UserStore open() {
        return UserStore.open(dir, clock, cheap);
    }

    private static byte[] pw(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void emptyWhenNoFile() {
        assertThat(open().list()).isEmpty();
        assertThat(open().authenticate("alice@example.com", pw("x"))).isEmpty();
        assertThat(Files.exists(dir.resolve("users.json"))).isFalse();
    }

    @Test
    void putAuthenticateRemove() throws IOException {
        UserStore store = open();
        store.put("alice@example.com", pw("right"), List.of());
        assertThat(store.authenticate("alice@example.com", pw("right")))
                .contains(new User("alice@example.com", List.of("alice@example.com")));
        assertThat(store.authenticate("alice@example.com", pw("wrong"))).isEmpty();
        assertThat(store.authenticate("bob@example.com", pw("right"))).isEmpty();
        assertThat(store.remove("alice@example.com")).isTrue();
        assertThat(store.remove("alice@example.com")).isFalse();
        assertThat(store.authenticate("alice@example.com", pw("right"))).isEmpty();
    }

    @Test
    void putReplacesPasswordAndPatterns() throws IOException {
        UserStore store = open();
        store.put("alice@example.com", pw("one"), List.of());
        store.put("alice@example.com", pw("two"), List.of("@example.com", "*"));
        assertThat(store.authenticate("alice@example.com", pw("one"))).isEmpty();
        assertThat(store.authenticate("alice@example.com", pw("two")).orElseThrow().maySendAs())
                .containsExactly("@example.com", "*");
        assertThat(store.list()).hasSize(1);
    }

    @Test
    void namesAreCaseInsensitive() throws IOException {
        UserStore store = open();
        store.put("Alice@Example.COM", pw("pw"), List.of());
        // Stored in the canonical form every lookup uses (issue 9: Carol@ could log in but got 550 5.1.1).
        assertThat(store.list()).containsExactly(new User("alice@example.com", List.of("alice@example.com")));
        assertThat(store.authenticate("Alice@example.com", pw("pw"))).isPresent();
        assertThat(store.authenticate("alice@EXAMPLE.com", pw("pw"))).isPresent();
        assertThat(store.find("ALICE@example.com")).isPresent();
        assertThat(store.find("ALICE@example.com").orElseThrow().maySendAs("Alice@Example.com")).isTrue();
    }

    @Test
    void aUsersFileWrittenBeforeLowerCasingIsReadLowerCased() throws IOException {
        UserStore store = open();
        store.put("carol@example.com", pw("pw"), List.of());
        Path file = store.path();
        Files.writeString(file, Files.readString(file).replace("\"carol@example.com\" :", "\"Carol@example.com\" :"));
        assertThat(Files.readString(file)).contains("Carol@");
        UserStore again = open();
        assertThat(again.find("carol@example.com")).isPresent();
        assertThat(again.authenticate("CAROL@example.com", pw("pw"))).isPresent();
    }

    @Test
    void defaultMaySendAs() throws IOException {
        UserStore store = open();
        store.put("alice@example.com", pw("pw"), List.of());
        store.put("relay", pw("pw"), List.of());
        assertThat(store.list()).containsExactly(
                new User("alice@example.com", List.of("alice@example.com")),
                new User("relay", List.of()));
    }

    @Test
    void listIsSortedByName() throws IOException {
        UserStore store = open();
        for (String name : List.of("carol@example.com", "alice@example.com", "bob")) {
            store.put(name, pw("pw"), List.of());
        }
        assertThat(store.list()).extracting(User::name)
                .containsExactly("alice@example.com", "bob", "carol@example.com");
    }

    @Test
    void persistsAcrossInstances() throws IOException {
        open().put("alice@example.com", pw("pw"), List.of("@example.com"));
        UserStore again = open();
        assertThat(again.authenticate("alice@example.com", pw("pw")))
                .contains(new User("alice@example.com", List.of("@example.com")));
    }

    @Test
    void authSeesChangesByAnotherProcessAtOnceListingAtMostOncePerSecond() throws IOException {
        UserStore server = open();
        UserStore cli = open();
        assertThat(server.list()).isEmpty();
        cli.put("alice@example.com", pw("pw"), List.of());
        // a user just added must be able to log in at once: AUTH always looks at the file
        assertThat(server.authenticate("alice@example.com", pw("pw"))).isPresent();

        cli.put("alice@example.com", pw("new"), List.of());
        assertThat(server.authenticate("alice@example.com", pw("pw"))).isEmpty();
        assertThat(server.authenticate("alice@example.com", pw("new"))).isPresent();

        cli.remove("alice@example.com");
        // listing trusts what it has within the same second
        assertThat(server.list()).extracting(User::name).containsExactly("alice@example.com");
        clock.advance(Duration.ofSeconds(1));
        assertThat(server.list()).isEmpty();
    }

    @Test
    void writesDoNotLoseAnotherProcessesChanges() throws IOException {
        UserStore a = open();
        UserStore b = open();
        a.put("alice@example.com", pw("pw"), List.of());
        b.put("bob@example.com", pw("pw"), List.of());
        // b had not reloaded, yet its write kept alice: writes re-read the file under the lock.
        assertThat(open().list()).extracting(User::name).containsExactly("alice@example.com", "bob@example.com");
    }

    @Test
    void writeIsAtomicWithOwnerOnlyModeAndNoTempFiles() throws IOException {
        UserStore store = open();
        store.put("alice@example.com", pw("pw"), List.of());
        store.put("bob@example.com", pw("pw"), List.of());
        store.remove("bob@example.com");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("users.json", "users.lock");
        }
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("users.json"))))
                    .isEqualTo("rw-------");
        }
        String json = Files.readString(dir.resolve("users.json"));
        assertThat(json).contains("\"alice@example.com\"", "\"hash\"", "\"may_send_as\"", "$argon2id$v=19$")
                .doesNotContain("\"pw\"");
    }

    @Test
    void staleTempFilesOfACrashedWriterAreCleanedUp() throws IOException {
        Files.writeString(dir.resolve("users.json.12345.tmp"), "{");
        open().put("alice@example.com", pw("pw"), List.of());
        assertThat(dir.resolve("users.json.12345.tmp")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "{not json",
        "[]",
        "{\"alice@example.com\": \"plaintext\"}",
        "{\"alice@example.com\": {\"hash\": \"plaintext\"}}",
        "{\"alice@example.com\": {\"hash\": \"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAA\", \"may_send_as\": \"*\"}}",
        "{\"alice@example.com\": {\"hash\": \"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAA\", \"may_send_as\": [\"nobody\"]}}",
        "{\"bad name\": {\"hash\": \"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAA\"}}",
        "{\"a@x.org\": {\"hash\": \"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAA\"},"
                + " \"a@X.org\": {\"hash\": \"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAA\"}}",
    })
    void corruptFileIsAnErrorNamingTheFile(String content) throws IOException {
        Path file = dir.resolve("users.json");
        Files.writeString(file, content);
        assertThatThrownBy(this::open)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void fileDamagedWhileRunningFailsClosedAndIsNotOverwritten() throws IOException {
        UserStore store = open();
        store.put("alice@example.com", pw("pw"), List.of());
        Path file = dir.resolve("users.json");
        Files.writeString(file, "{\"alice@example.com\": {\"hash\": ");
        clock.advance(Duration.ofSeconds(1));
        assertThatThrownBy(() -> store.authenticate("alice@example.com", pw("pw")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("line");
        assertThatThrownBy(store::list).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.put("bob@example.com", pw("pw"), List.of()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString());
        assertThat(Files.readString(file)).isEqualTo("{\"alice@example.com\": {\"hash\": ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "alice smith", "alice\t@example.com", "a\u0000b", "a\u00a0b", "a\u200bb"})
    void invalidNamesAreRejected(String name) {
        assertThatThrownBy(() -> open().put(name, pw("pw"), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user name");
    }

    @Test
    void overlongNameIsRejected() {
        assertThatThrownBy(() -> open().put("a".repeat(256), pw("pw"), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("255");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "nobody", "alice@", "@", "a b@example.com", "**"})
    void invalidPatternsAreRejected(String pattern) {
        assertThatThrownBy(() -> open().put("alice@example.com", pw("pw"), List.of(pattern)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user@domain, @domain or *");
    }

    @Test
    void emptyPasswordIsRejectedAndNeverEchoed() {
        assertThatThrownBy(() -> open().put("alice@example.com", new byte[0], List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("password must not be empty");
    }

    @Test
    void unknownUserCostsAboutAsMuchAsAKnownOne() throws IOException {
        UserStore store = UserStore.open(dir, clock, new PasswordHash(new SecureRandom()));
        store.put("alice@example.com", pw("pw"), List.of());
        store.authenticate("nobody@example.com", pw("pw"));
        long known = time(() -> store.authenticate("alice@example.com", pw("wrong")));
        long unknown = time(() -> store.authenticate("nobody@example.com", pw("wrong")));
        long invalid = time(() -> store.authenticate("not a name", pw("wrong")));
        System.out.printf("authenticate: known %d ms, unknown %d ms, invalid name %d ms%n", known, unknown, invalid);
        assertThat(unknown).isGreaterThan(known / 3);
        assertThat(invalid).isGreaterThan(known / 3);
    }

    private static long time(Runnable r) {
        long start = System.nanoTime();
        r.run();
        return (System.nanoTime() - start) / 1_000_000;
    }
}
