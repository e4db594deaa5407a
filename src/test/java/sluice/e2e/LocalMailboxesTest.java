package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.auth.UserStore;
import sluice.testkit.Dialog;
import sluice.testkit.DovecotInstance;
import sluice.testkit.FreePorts;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;
import sluice.testkit.TempDirs;

/**
 * Issue 9, silent loss in local delivery: aliases that loop or point at nobody, mailboxes that two addresses
 * shared, and a user with capitals who could log in but not receive.
 */
class LocalMailboxesTest {
    private static final String DELIVERY = "[delivery]\nretry_schedule = [\"1h\"]\n";

    private static final String IMAP_SCRIPT = """
            import base64, imaplib, json, sys
            port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            m = imaplib.IMAP4('127.0.0.1', port, timeout=20)
            # AUTHENTICATE PLAIN carries the UTF-8 name base64-encoded (LOGIN would need ASCII).
            m.authenticate('PLAIN', lambda _: b'\\0' + user.encode('utf-8') + b'\\0' + password.encode('utf-8'))
            typ, data = m.select('INBOX')
            assert typ == 'OK', data
            subjects = []
            if int(data[0]) > 0:
                typ, data = m.fetch('1:*', '(BODY[HEADER.FIELDS (SUBJECT)])')
                for item in data:
                    if isinstance(item, tuple):
                        subjects.append(item[1].decode('utf-8').strip())
            m.logout()
            print(json.dumps({'subjects': subjects}))
            """;

    @Test
    void checkConfigAndServeRefuseAliasLoopsAndTargetsThatAreNoUser(@TempDir Path dir) throws Exception {
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Path config = SluiceHarness.writeConfig(dir, ports, "[]", """
                [local]
                aliases = { "a@example.test" = "b@example.test", "b@example.test" = ["a@example.test"], "info@strict.test" = "nobody@strict.test", "ok@strict.test" = "postmaster@strict.test" }
                """);
        String file = config.toString();

        Peer.Result check = SluiceProcess.run(null, "check-config", file);
        assertThat(check.exit()).as(check.output()).isEqualTo(2);
        assertThat(check.output().lines().toList()).containsExactly(
                file + ":42: local.aliases.\"a@example.test\": alias loop: a@example.test -> b@example.test -> a@example.test",
                file + ":42: local.aliases.\"b@example.test\": alias loop: b@example.test -> a@example.test -> b@example.test",
                file + ":42: local.aliases.\"info@strict.test\": target nobody@strict.test is no local user, alias or "
                        + "catch-all (add it with `sluice user add nobody@strict.test`, or change the target)");

        Peer.Result serve = SluiceProcess.run(null, "serve", "--config", file);
        assertThat(serve.exit()).as(serve.output()).isEqualTo(2);
        assertThat(serve.output()).contains(file + ":42: local.aliases.\"info@strict.test\": target nobody@strict.test")
                .doesNotContain("ready", "Exception");
    }

    @Test
    void removingAUserAnAliasNamesWarnsAndCheckConfigThenFails(@TempDir Path dir) throws Exception {
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        String file = SluiceHarness.writeConfig(dir, ports, "[]", """
                [local]
                aliases = { "info@strict.test" = ["Bob@strict.test", "postmaster@strict.test"] }
                """).toString();
        assertThat(SluiceProcess.run("pw", "user", "add", "bob@strict.test", "--password-stdin", "--config", file).exit()).isZero();
        Peer.Result ok = SluiceProcess.run(null, "check-config", file);
        assertThat(ok.exit()).as(ok.output()).isZero();

        Peer.Result removed = SluiceProcess.run(null, "user", "remove", "BOB@strict.test", "--config", file);
        assertThat(removed.exit()).as(removed.output()).isZero();
        assertThat(removed.output()).contains("warning: " + file + ":42: local.aliases.\"info@strict.test\": target bob@strict.test",
                "`sluice serve` will not start");
        assertThat(SluiceProcess.run(null, "check-config", file).exit()).isEqualTo(2);
    }

    @Test
    void aUserWithCapitalsLogsInAndReceives() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", DELIVERY)) {
            UserStore.open(s.dataDir()).put("Carol@Strict.test", "pw".getBytes(StandardCharsets.UTF_8), List.of());
            try (Dialog d = Dialog.startTls(s.submission)) {
                d.login("Carol@strict.test", "pw");
                assertThat(d.ask("MAIL FROM:<Carol@strict.test>")).startsWith("250");
                assertThat(d.ask("RCPT TO:<Carol@strict.test>")).startsWith("250");
                assertThat(d.ask("RCPT TO:<CAROL@STRICT.TEST>")).startsWith("250");
                assertThat(d.ask("DATA")).startsWith("354");
                assertThat(d.ask("Subject: hi\r\n\r\nhello\r\n.")).startsWith("250");
            }
            try (Dialog d = new Dialog(s.mx)) { // the mx door, unauthenticated: the same lookup
                d.expect();
                d.ask("EHLO far.test");
                d.ask("MAIL FROM:<x@far.test>");
                assertThat(d.ask("RCPT TO:<carol@strict.test>")).startsWith("250");
                assertThat(d.ask("RCPT TO:<nobody@strict.test>")).startsWith("550 5.1.1");
            }
            s.awaitEmptyQueue(Duration.ofSeconds(20));
            assertThat(files(s.dataDir().resolve("mail/strict.test/carol/new"))).hasSize(1); // one copy for both RCPTs
        }
    }

    @Test
    void jorgAndJurgGetSeparateMailboxesThatDovecotServes() throws Exception {
        assumeTrue(DovecotInstance.available(), "dovecot-imapd is not installed");
        assumeTrue(Peer.available("python3"), "python3 is not installed");
        try (SluiceHarness s = SluiceHarness.start("[]", DELIVERY)) {
            UserStore users = UserStore.open(s.dataDir());
            users.put("jörg@strict.test", "pw1".getBytes(StandardCharsets.UTF_8), List.of());
            users.put("jürg@strict.test", "pw2".getBytes(StandardCharsets.UTF_8), List.of());
            // The server re-reads users.json at most once a second for RCPT lookups.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> s.recipientExists("jürg@strict.test"));
            for (String to : List.of("jörg", "jürg")) {
                try (Dialog d = new Dialog(s.mx)) {
                    d.expect();
                    d.ask("EHLO far.test");
                    assertThat(d.ask("MAIL FROM:<x@far.test> SMTPUTF8")).startsWith("250");
                    assertThat(d.ask("RCPT TO:<" + to + "@strict.test>")).startsWith("250");
                    d.ask("DATA");
                    assertThat(d.ask("Subject: for " + to + "\r\n\r\nsecret of " + to + "\r\n.")).startsWith("250");
                }
            }
            s.awaitEmptyQueue(Duration.ofSeconds(20));

            Path root = s.dataDir().resolve("mail");
            assertThat(files(root.resolve("strict.test/jörg/new"))).hasSize(1)
                    .allSatisfy(f -> assertThat(Files.readString(f)).contains("secret of jörg").doesNotContain("jürg"));
            assertThat(files(root.resolve("strict.test/jürg/new"))).hasSize(1)
                    .allSatisfy(f -> assertThat(Files.readString(f)).contains("secret of jürg").doesNotContain("jörg"));
            assertThat(root.resolve("strict.test/j_rg")).doesNotExist();

            DovecotInstance dovecot = DovecotInstance.start(Map.of("jörg@strict.test", "pw1", "jürg@strict.test", "pw2"), root);
            Path script = TempDirs.file("imap-subjects", ".py");
            try {
                Files.writeString(script, IMAP_SCRIPT);
                assertThat(imapSubjects(dovecot, script, "jörg@strict.test", "pw1")).containsExactly("Subject: for jörg");
                assertThat(imapSubjects(dovecot, script, "jürg@strict.test", "pw2")).containsExactly("Subject: for jürg");
                assertThat(dovecot.problems()).as(dovecot.logText()).isEmpty();
            } finally {
                Files.deleteIfExists(script);
                dovecot.close();
                dovecot.deleteFiles();
            }
        }
    }

    private static List<String> imapSubjects(DovecotInstance dovecot, Path script, String user, String password) throws Exception {
        Peer.Result r = Peer.run(List.of("/usr/bin/python3", script.toString(), String.valueOf(dovecot.port()), user, password),
                null, 60);
        assertThat(r.ok()).as("imaplib as %s:\n%s\nDovecot log:\n%s", user, r.output(), dovecot.logText()).isTrue();
        JsonNode out = new ObjectMapper().readTree(r.output().lines().reduce((a, b) -> b).orElseThrow());
        return java.util.stream.StreamSupport.stream(out.path("subjects").spliterator(), false).map(JsonNode::asText).toList();
    }

    private static List<Path> files(Path dir) throws Exception {
        try (Stream<Path> f = Files.list(dir)) {
            return f.toList();
        }
    }
}
