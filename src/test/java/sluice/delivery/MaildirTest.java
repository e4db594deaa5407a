package sluice.delivery;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MaildirTest {
    private static final Instant AT = Instant.parse("2024-03-01T10:00:00.123456789Z");
    private static final Clock FIXED = Clock.fixed(AT, ZoneOffset.UTC);
    private static final byte[] PREFIX = "Return-Path: <alice@a.test>\r\nDelivered-To: bob@b.test\r\n".getBytes(UTF_8);
    private static final byte[] MESSAGE = "From: alice@a.test\r\nSubject: hi\r\n\r\nline one\r\nline two\r\n".getBytes(UTF_8);
    private static final Pattern NAME = Pattern.compile(
            "(\\d+)\\.M(\\d+)P(\\d+)Q(\\d+)\\.([^,/:]+),S=(\\d+)");

    @TempDir
    Path root;

    private Maildir maildir() {
        return new Maildir(root, "mx.b.test", FIXED);
    }

    @Test
    void deliversIntoNewWithADovecotStyleName() throws Exception {
        Path file = maildir().deliver("b.test", "bob", PREFIX, MESSAGE);

        assertThat(file.getParent()).isEqualTo(root.resolve("b.test/bob/new"));
        Matcher m = NAME.matcher(file.getFileName().toString());
        assertThat(m.matches()).as(file.getFileName().toString()).isTrue();
        assertThat(m.group(1)).isEqualTo(String.valueOf(AT.getEpochSecond()));
        assertThat(m.group(2)).isEqualTo("123456");
        assertThat(m.group(3)).isEqualTo(String.valueOf(ProcessHandle.current().pid()));
        assertThat(m.group(5)).isEqualTo("mx.b.test");
        assertThat(Long.parseLong(m.group(6))).isEqualTo(Files.size(file));
    }

    @Test
    void storesThePrefixAndMessageWithLfEndings() throws Exception {
        Path file = maildir().deliver("b.test", "bob", PREFIX, MESSAGE);

        assertThat(Files.readString(file)).isEqualTo("""
                Return-Path: <alice@a.test>
                Delivered-To: bob@b.test
                From: alice@a.test
                Subject: hi

                line one
                line two
                """);
        assertThat(Files.readAllBytes(file)).doesNotContain((byte) '\r');
    }

    @Test
    void loneCarriageReturnsAndBareLineFeedsAreKept() throws Exception {
        Path file = maildir().deliver("b.test", "bob", new byte[0], "a\rb\nc\r\n\r".getBytes(UTF_8));
        assertThat(Files.readString(file)).isEqualTo("a\rb\nc\n\r");
        assertThat(file.getFileName().toString()).endsWith(",S=7");
    }

    @Test
    void createsTmpNewAndCurPrivatelyAndLeavesTmpEmpty() throws Exception {
        maildir().deliver("B.Test", "Bob", PREFIX, MESSAGE);

        Path box = root.resolve("b.test/bob");
        for (String sub : List.of("tmp", "new", "cur")) {
            assertThat(box.resolve(sub)).isDirectory();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(box.resolve(sub)))).isEqualTo("rwx------");
        }
        assertThat(box.resolve("tmp")).isEmptyDirectory();
        assertThat(box.resolve("cur")).isEmptyDirectory();
        assertThat(list(box.resolve("new"))).hasSize(1);
    }

    @Test
    void deliveriesInTheSameMicrosecondGetDistinctNames() throws Exception {
        Maildir maildir = maildir();
        Path first = maildir.deliver("b.test", "bob", PREFIX, MESSAGE);
        Path second = maildir.deliver("b.test", "bob", PREFIX, MESSAGE);
        Path other = new Maildir(root, "mx.b.test", FIXED).deliver("b.test", "bob", PREFIX, MESSAGE);

        assertThat(Set.of(first, second, other)).hasSize(3);
        assertThat(list(root.resolve("b.test/bob/new"))).hasSize(3);
    }

    @ParameterizedTest
    @CsvSource({
        "mx/b.test,  mx\\057b.test",
        "mx:b.test,  mx\\072b.test",
        "mx.b.test,  mx.b.test",
    })
    void hostnameSlashAndColonAreEscaped(String hostname, String inName) throws Exception {
        Path file = new Maildir(root, hostname, FIXED).deliver("b.test", "bob", PREFIX, MESSAGE);
        assertThat(file.getFileName().toString()).contains("." + inName + ",S=");
        assertThat(file.getParent()).isEqualTo(root.resolve("b.test/bob/new"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "../etc    | %2E.%2Fetc",
        "a/b       | a%2Fb",
        "..        | %2E.",
        ".hidden   | %2Ehidden",
        "a..b      | a..b",
        "100%      | 100%25",
    })
    void unsafeCharactersAreEscapedInsideTheRoot(String localPart, String directory) throws Exception {
        Path file = maildir().deliver("b.test", localPart, PREFIX, MESSAGE);
        assertThat(file.getParent().getParent()).isEqualTo(root.resolve("b.test").resolve(directory));
        assertThat(Maildir.localPartOf(directory)).isEqualTo(localPart);
    }

    @Test
    void controlCharactersAreEscapedAndEmptyOrOverlongNamesRefused() throws Exception {
        assertThat(Maildir.directoryName("nul\0x\u007f")).isEqualTo("nul%00x%7F");
        assertThatThrownBy(() -> maildir().deliver("b.test", "", PREFIX, MESSAGE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> maildir().deliver("b.test", "/".repeat(90), PREFIX, MESSAGE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(root).isEmptyDirectory();
    }

    @ParameterizedTest
    @ValueSource(strings = {"../b.test", "b.test/x", ".b.test", "b..test", ""})
    void unsafeDomainsAreRejected(String domain) {
        assertThatThrownBy(() -> maildir().deliver(domain, "bob", PREFIX, MESSAGE))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Issue 9: "jörg" and "jürg" both became "j_rg" and read each other's mail. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "Bob.Smith       | bob.smith",
        "bob+tag         | bob+tag",
        "a=b_c-d         | a=b_c-d",
        "\"john doe\"    | \"john doe\"",
        "jörg            | jörg",
        "JÜRG            | jürg",
        "a\\b            | a\\b",
        "o'brien         | o'brien",
    })
    void theCanonicalLocalPartIsTheDirectoryName(String localPart, String directory) throws Exception {
        Path file = maildir().deliver("b.test", localPart, PREFIX, MESSAGE);
        assertThat(file.getParent().getParent()).isEqualTo(root.resolve("b.test").resolve(directory));
        assertThat(Maildir.localPartOf(directory)).isEqualTo(localPart.toLowerCase(java.util.Locale.ROOT));
    }

    @Test
    void distinctAddressesGetDistinctMailboxes() throws Exception {
        List<String> parts = List.of("jörg", "jürg", "j_rg", "j%c3%b6rg", "a/b", "a%2fb", ".x", "%2ex", "a b", "a_b");
        Set<String> dirs = new java.util.HashSet<>();
        for (String p : parts) {
            dirs.add(Maildir.directoryName(p));
            assertThat(Maildir.localPartOf(Maildir.directoryName(p))).isEqualTo(p);
        }
        assertThat(dirs).hasSize(parts.size());
    }

    /** Plain addresses keep their old directory; one whose name changed is told where its old mail is, once. */
    @Test
    void anOldUnderscoreDirectoryIsNamedWhenTheNewOneIsMade() throws Exception {
        Files.createDirectories(root.resolve("b.test/j_rg/new"));
        Files.createDirectories(root.resolve("b.test/bob.smith/new"));
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Maildir.class);
        var appender = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        appender.start();
        logger.addAppender(appender);
        try {
            maildir().deliver("b.test", "jörg", PREFIX, MESSAGE);
            maildir().deliver("b.test", "jörg", PREFIX, MESSAGE);
            Path bob = maildir().deliver("b.test", "Bob.Smith", PREFIX, MESSAGE);
            assertThat(bob.getParent().getParent()).isEqualTo(root.resolve("b.test/bob.smith"));
        } finally {
            logger.detachAppender(appender);
        }
        assertThat(appender.list).singleElement().extracting(e -> e.getFormattedMessage()).asString()
                .contains(root.resolve("b.test/jörg").toString(), root.resolve("b.test/j_rg").toString());
    }

    @Test
    void fiftyConcurrentDeliveriesAllLandWithDistinctNames() throws Exception {
        Maildir maildir = maildir();
        Set<Path> delivered = ConcurrentHashMap.newKeySet();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                byte[] body = ("Subject: " + i + "\r\n\r\nmessage " + i + "\r\n").getBytes(UTF_8);
                futures.add(executor.submit(() -> delivered.add(maildir.deliver("b.test", "bob", PREFIX, body))));
            }
            for (Future<?> f : futures) f.get();
        }
        assertThat(delivered).hasSize(50);
        assertThat(list(root.resolve("b.test/bob/new"))).hasSize(50);
        assertThat(root.resolve("b.test/bob/tmp")).isEmptyDirectory();
        for (Path p : delivered) {
            Matcher m = NAME.matcher(p.getFileName().toString());
            assertThat(m.matches()).isTrue();
            assertThat(Long.parseLong(m.group(6))).isEqualTo(Files.size(p));
        }
    }

    private static List<Path> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    /** A file system without POSIX permissions (a zip file system here) gets no mailbox, and says why. */
    @Test
    void aFileSystemWithoutPosixPermissionsIsRefusedWithTheReason() throws Exception {
        // inside this test's own directory: a zip left anywhere shared would hold a previous run's mailboxes
        java.net.URI zip = java.net.URI.create("jar:" + root.resolve("mail.zip").toUri());
        try (java.nio.file.FileSystem fs = java.nio.file.FileSystems.newFileSystem(zip, java.util.Map.of("create", "true"))) {
            Maildir onZip = new Maildir(fs.getPath("/mail"), "mx.b.test", FIXED);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> onZip.deliver("b.test", "bob", PREFIX, MESSAGE))
                    .isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("has no POSIX permissions: Sluice does not create mailboxes it cannot make owner-only");
            assertThat(java.nio.file.Files.exists(fs.getPath("/mail/b.test"))).isFalse();
        }
    }
}
