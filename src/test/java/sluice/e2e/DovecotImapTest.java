package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import sluice.testkit.DovecotInstance;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TempDirs;

/**
 * Sluice delivers into Maildir, a real Dovecot serves that Maildir over IMAP, and Python's imaplib reads it back:
 * the messages arrive intact (an RFC 2047 subject, dot-stuffed lines, a 200 KiB body), the Maildir file names
 * follow the spec, and the {@code ,S=} size in them (which Dovecot trusts) is right, so RFC822.SIZE matches the
 * message Dovecot returns and Dovecot logs no errors about the files.
 */
class DovecotImapTest {
    private static final String PYTHON = "/usr/bin/python3";
    /** Maildir spec unique name, as Sluice writes it: time.M<usec>P<pid>Q<counter>.host,S=<size> */
    private static final Pattern NEW_NAME = Pattern.compile("(\\d+)\\.M(\\d{1,6})P(\\d+)Q(\\d+)\\.([^/:]+),S=(\\d+)");
    /** The same after Dovecot moved it to cur/ with an info part (it may add W=<virtual size>). */
    private static final Pattern CUR_NAME = Pattern.compile(NEW_NAME.pattern() + "(,W=\\d+)?:2,[A-Za-z]*");

    private static final String SUBJECT = "Grüße aus Köln ☃ – naïve café";

    private static final String IMAP_SCRIPT = """
            import base64, imaplib, json, re, sys
            from email.header import decode_header, make_header
            from email.parser import BytesHeaderParser
            port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            m = imaplib.IMAP4('127.0.0.1', port, timeout=20)
            m.login(user, password)
            typ, data = m.select('INBOX')
            assert typ == 'OK', data
            exists = int(data[0])
            sizes = {}
            typ, data = m.fetch('1:*', '(RFC822.SIZE)')
            assert typ == 'OK', data
            for line in data:
                mt = re.match(rb'(\\d+) \\(.*RFC822\\.SIZE (\\d+)', line)
                sizes[int(mt.group(1))] = int(mt.group(2))
            messages = []
            typ, data = m.fetch('1:*', '(RFC822)')
            assert typ == 'OK', data
            for item in data:
                if not isinstance(item, tuple):
                    continue
                head, raw = item
                seq = int(head.split()[0])
                h = BytesHeaderParser().parsebytes(raw)
                messages.append({
                    'seq': seq,
                    'size': sizes[seq],
                    'length': len(raw),
                    'raw_subject': h.get('Subject', ''),
                    'subject': str(make_header(decode_header(h.get('Subject', '')))),
                    'b64': base64.b64encode(raw).decode('ascii'),
                })
            m.logout()
            print(json.dumps({'exists': exists, 'messages': messages}))
            """;

    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    private <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    /** A message as it should arrive: header lines, then body lines (CRLF in the message, LF in Maildir). */
    private record Sent(String subjectHeader, List<String> bodyLines) {
        String body() {
            return String.join("\r\n", bodyLines) + "\r\n";
        }

        /** For sendMx, which turns LF into CRLF and appends CRLF "." but does not dot-stuff. */
        String wire() {
            StringBuilder sb = new StringBuilder("From: bob@far.test\nTo: alice@example.test\nSubject: ")
                    .append(subjectHeader).append("\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n");
            for (int i = 0; i < bodyLines.size(); i++) {
                String line = bodyLines.get(i);
                sb.append(line.startsWith(".") ? "." + line : line); // RFC 5321 4.5.2 transparency
                if (i < bodyLines.size() - 1) sb.append('\n');
            }
            return sb.toString();
        }
    }

    @Test
    void dovecotServesWhatSluiceDeliveredIntact() throws Exception {
        assumeTrue(DovecotInstance.available(), "dovecot-imapd is not installed");
        assumeTrue(Peer.available("python3") && Files.isExecutable(Path.of(PYTHON)), "python3 is not installed");

        SluiceHarness s = later(SluiceHarness.start("[\"127.0.0.0/8\"]", "[delivery]\nretry_schedule = [\"1h\"]\n"));

        String encodedSubject = "=?UTF-8?B?" + Base64.getEncoder().encodeToString(SUBJECT.getBytes(StandardCharsets.UTF_8)) + "?=";
        Sent unicode = new Sent(encodedSubject, List.of("The subject is UTF-8, encoded as RFC 2047."));
        Sent dots = new Sent("dots", List.of("line one", ".leading dot", "..two dots", ".", " . not first", "last line"));
        Random random = new Random(42);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/. ";
        List<String> bigLines = new ArrayList<>();
        for (int i = 0; i < 2700; i++) { // 2700 * 78 bytes ~ 205 KiB
            StringBuilder line = new StringBuilder(76);
            for (int j = 0; j < 76; j++) line.append(alphabet.charAt(random.nextInt(alphabet.length())));
            if (i % 100 == 0) line.setCharAt(0, '.');
            bigLines.add(line.toString());
        }
        Sent big = new Sent("big", bigLines);
        assertThat(big.body().length()).isBetween(200 * 1024, 210 * 1024);

        for (Sent m : List.of(unicode, dots, big)) s.sendMx("bob@far.test", m.wire(), SluiceHarness.USER);
        s.awaitEmptyQueue(Duration.ofSeconds(20));

        // The Maildir as Sluice left it: three spec-conforming names whose S= is the file size.
        Path mailRoot = s.dataDir().resolve("mail");
        Path alice = mailRoot.resolve("example.test").resolve("alice");
        List<Path> delivered = list(alice.resolve("new"));
        assertThat(delivered).hasSize(3);
        for (Path f : delivered) {
            Matcher mt = NEW_NAME.matcher(f.getFileName().toString());
            assertThat(mt.matches()).as("Maildir name %s", f.getFileName()).isTrue();
            assertThat(Long.parseLong(mt.group(6))).as("S= of %s", f.getFileName()).isEqualTo(Files.size(f));
            assertThat(Files.readAllBytes(f)).as("stored with LF").doesNotContain('\r');
        }
        assertThat(delivered).extracting(f -> f.getFileName().toString()).doesNotHaveDuplicates();

        DovecotInstance dovecot = DovecotInstance.start(Map.of(SluiceHarness.USER, SluiceHarness.PASSWORD), mailRoot);
        later(() -> {
            dovecot.close();
            dovecot.deleteFiles();
        });
        Path script = TempDirs.file("imap-fetch", ".py");
        Files.writeString(script, IMAP_SCRIPT);
        Peer.Result r = Peer.run(List.of(PYTHON, script.toString(), String.valueOf(dovecot.port()), SluiceHarness.USER,
                SluiceHarness.PASSWORD), null, 60);
        Files.deleteIfExists(script);
        assertThat(r.ok()).as("imaplib script:\n%s\nDovecot log:\n%s", r.output(), dovecot.logText()).isTrue();

        JsonNode summary = new ObjectMapper().readTree(r.output().lines().reduce((a, b) -> b).orElseThrow());
        assertThat(summary.path("exists").asInt()).isEqualTo(3);
        Map<String, JsonNode> bySubject = new HashMap<>();
        for (JsonNode m : summary.path("messages")) {
            byte[] raw = Base64.getDecoder().decode(m.path("b64").asText());
            assertThat(m.path("length").asInt()).isEqualTo(raw.length);
            assertThat(m.path("size").asLong()).as("RFC822.SIZE of %s", m.path("subject").asText())
                    .isEqualTo(raw.length);
            bySubject.put(m.path("subject").asText(), m);
        }
        assertThat(bySubject).containsOnlyKeys(SUBJECT, "dots", "big");
        assertThat(bySubject.get(SUBJECT).path("raw_subject").asText()).isEqualTo(encodedSubject);

        for (Sent sent : List.of(unicode, dots, big)) {
            String subject = sent == unicode ? SUBJECT : sent.subjectHeader();
            byte[] raw = Base64.getDecoder().decode(bySubject.get(subject).path("b64").asText());
            String text = new String(raw, StandardCharsets.US_ASCII);
            assertThat(text).contains("\r\nDelivered-To: alice@example.test\r\n").startsWith("Return-Path: <bob@far.test>\r\n");
            String body = text.substring(text.indexOf("\r\n\r\n") + 4);
            assertThat(sha256(body)).as("body of %s", subject).isEqualTo(sha256(sent.body()));
        }
        String dotsBody = new String(Base64.getDecoder().decode(bySubject.get("dots").path("b64").asText()), StandardCharsets.US_ASCII);
        assertThat(dotsBody).contains("\r\nline one\r\n.leading dot\r\n..two dots\r\n.\r\n . not first\r\nlast line\r\n");

        // The files Dovecot read: the same Maildir, moved to cur/ by SELECT, with no complaints in its log.
        List<Path> cur = list(alice.resolve("cur"));
        assertThat(list(alice.resolve("new"))).isEmpty();
        assertThat(cur).hasSize(3).allSatisfy(f -> {
            Matcher mt = CUR_NAME.matcher(f.getFileName().toString());
            assertThat(mt.matches()).as("Maildir name %s", f.getFileName()).isTrue();
            assertThat(Long.parseLong(mt.group(6))).isEqualTo(Files.size(f));
        });
        assertThat(cur).extracting(f -> f.getFileName().toString().replaceFirst(":2,.*", ""))
                .containsExactlyInAnyOrderElementsOf(delivered.stream().map(f -> f.getFileName().toString()).toList());
        String log = dovecot.logText();
        assertThat(dovecot.problems()).as("Dovecot log:\n%s", log).isEmpty();
        assertThat(log).contains("Login: user=<alice@example.test>");
    }

    private static List<Path> list(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
