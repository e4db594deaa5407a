package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sluice.auth.UserStore;
import sluice.mailauth.DkimKeys;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TwoSigningDomains;
import sluice.testkit.TempDirs;

/**
 * The send API's side of impersonation and header hygiene, over HTTP: the may-send-as rule on Sender and
 * Resent-From, the signing domain of a group-syntax From, control characters in address members, reserved
 * Content-* fields, a non-ASCII Message-ID, and 5,000-character subjects read back by Python's email package.
 * Sluice holds DKIM keys for example.test and other.test; alice may send as @example.test only.
 */
class SendApiIdentityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static SluiceHarness sluice;
    static String key;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        sluice = SluiceHarness.start("[]", TwoSigningDomains.toml(DkimKeys.generate("ed25519").getPrivate(),
                DkimKeys.generate("ed25519").getPrivate()));
        key = UserStore.open(sluice.dataDir()).createApiKey(SluiceHarness.USER);
    }

    @AfterAll
    static void stop() {
        sluice.close();
    }

    private static HttpResponse<String> post(String type, String query, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + sluice.config().admin().address() + "/api/v1/messages" + query))
                .header("Authorization", "Bearer " + key).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).path("error").asText();
    }

    private static String queued(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        String id = JSON.readTree(r.body()).path("id").asText();
        return new String(sluice.spool().readData(id).orElseThrow(), StandardCharsets.UTF_8);
    }

    private static String json(Map<String, Object> members) throws Exception {
        return JSON.writeValueAsString(members);
    }

    @Test
    void aRawGroupFromIsSignedForTheDomainThePolicyChecked() throws Exception {
        String data = queued(post("message/rfc822", "?to=bob@remote.test",
                "From: \"<ceo@other.test>\" : alice@example.test;\nSubject: group\n\nx\n"));
        assertThat(data).contains("d=example.test;").doesNotContain("d=other.test");
        HttpResponse<String> empty = post("message/rfc822", "?from=alice@example.test&to=bob@remote.test",
                "From: undisclosed-senders:;\nSubject: group\n\nx\n");
        assertThat(empty.statusCode()).as(empty.body()).isEqualTo(400);
        assertThat(error(empty)).contains("the From field has no address");
    }

    @Test
    void senderAndResentFieldsOfAnotherDomainAre403OnEveryBody() throws Exception {
        Map<String, String> raw = Map.of(
                "Sender", "From: alice@example.test\nSender: ceo@other.test\n\nx\n",
                "Resent-From", "From: alice@example.test\nResent-From: CEO <ceo@other.test>\n\nx\n",
                "Resent-Sender", "From: alice@example.test\nResent-Sender: ceo@other.test\n\nx\n");
        for (var c : raw.entrySet()) {
            HttpResponse<String> r = post("message/rfc822", "?to=bob@remote.test", c.getValue());
            assertThat(r.statusCode()).as(c.getKey() + ": " + r.body()).isEqualTo(403);
            assertThat(error(r)).isEqualTo("user alice@example.test may not send as ceo@other.test (" + c.getKey() + ")");
        }
        HttpResponse<String> r = post("application/json", "", json(Map.of("from", "alice@example.test", "to", "bob@remote.test",
                "text", "x", "headers", Map.of("Resent-From", "ceo@other.test"))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(error(r)).endsWith("may not send as ceo@other.test (Resent-From)");
    }

    @Test
    void controlCharactersInAddressMembersAre400NotADifferentRecipient() throws Exception {
        String smuggled = "bob@remote.test\r\nX: carol@example.test";
        Map<String, Map<String, Object>> cases = Map.of(
                "\"to[0]\"", Map.of("from", "alice@example.test", "to", List.of(smuggled), "text", "x"),
                "\"cc\"", Map.of("from", "alice@example.test", "cc", smuggled, "text", "x"),
                "\"bcc[0]\"", Map.of("from", "alice@example.test", "bcc", List.of(smuggled), "text", "x"),
                "\"reply_to\"", Map.of("from", "alice@example.test", "to", "bob@remote.test", "reply_to", smuggled, "text", "x"),
                "\"from\"", Map.of("from", "x@other.test\nY: alice@example.test", "to", "bob@remote.test", "text", "x"),
                "\"subject\"", Map.of("from", "alice@example.test", "to", "bob@remote.test", "subject", "a\u0000b", "text", "x"));
        int before = sluice.queue().size();
        for (var c : cases.entrySet()) {
            HttpResponse<String> r = post("application/json", "", json(c.getValue()));
            assertThat(r.statusCode()).as(c.getKey() + ": " + r.body()).isEqualTo(400);
            assertThat(error(r)).as(c.getKey()).startsWith(c.getKey() + ": ").contains("control character");
        }
        for (String query : List.of("?from=alice@example.test&to=bob@remote.test%0D%0AX:%20carol@example.test", "?from=alice@example.test%0AX:%20a@b.test&to=bob@remote.test")) {
            HttpResponse<String> r = post("message/rfc822", query, "Subject: x\n\nx\n");
            assertThat(r.statusCode()).as(query + ": " + r.body()).isEqualTo(400);
            assertThat(error(r)).as(query).contains("bad address");
        }
        assertThat(sluice.queue()).hasSize(before);
    }

    @Test
    void reservedContentFieldsAndANonAsciiMessageIdAre400() throws Exception {
        for (String name : List.of("Content-Type", "Content-Disposition", "Content-ID", "content-transfer-encoding")) {
            HttpResponse<String> r = post("application/json", "", json(Map.of("from", "alice@example.test",
                    "to", "bob@remote.test", "text", "x", "headers", Map.of(name, "attachment"))));
            assertThat(r.statusCode()).as(name + ": " + r.body()).isEqualTo(400);
            assertThat(error(r)).startsWith("\"headers." + name + "\": set by the request's own members or by Sluice");
        }
        HttpResponse<String> r = post("application/json", "", json(Map.of("from", "alice@example.test",
                "to", "bob@remote.test", "text", "x", "headers", Map.of("Message-ID", "<grüße@example.test>"))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(error(r)).startsWith("\"headers.Message-ID\": must look like <unique@domain>, in ASCII");
    }

    /**
     * Long header values are folded (encoded-words where a word is too long), and read back as they were sent. The
     * long display name is checked for its line lengths only: Python keeps the space between adjacent encoded-words
     * in a phrase, which RFC 2047 6.2 says to ignore.
     */
    @Test
    void fiveThousandCharacterSubjectsArriveAndParseBackWithPython() throws Exception {
        String nonAscii = "Grüße aus Köln — ".repeat(300).substring(0, 5000).strip();
        Map<String, String> subjects = Map.of(
                "one ASCII word", "x".repeat(5000),
                "ASCII words", "lorem ipsum ".repeat(417).substring(0, 5000).strip(),
                "not ASCII", nonAscii);
        Path script = TempDirs.file("subject", ".py");
        Files.writeString(script, """
                import email, email.policy, sys
                with open(sys.argv[1], 'rb') as f:
                    m = email.message_from_binary_file(f, policy=email.policy.default)
                sys.stdout.buffer.write(str(m['subject']).encode('utf-8'))
                sys.stdout.buffer.write(b'\\n--\\n' + str(m['x-long']).encode('utf-8'))
                """);
        for (var c : subjects.entrySet()) {
            HttpResponse<String> r = post("application/json", "", json(Map.of("from", c.getValue() + " <alice@example.test>",
                    "to", "alice@example.test", "subject", c.getValue(), "text", "x", "headers", Map.of("X-Long", c.getValue()))));
            assertThat(r.statusCode()).as(c.getKey() + ": " + r.body()).isEqualTo(202);
            String id = JSON.readTree(r.body()).path("id").asText();
            Path file = await().atMost(Duration.ofSeconds(20)).until(() -> delivered(id), f -> f != null);
            List<String> headerLines = Files.readString(file, StandardCharsets.UTF_8).split("\n\n", 2)[0].lines()
                    .filter(l -> !l.startsWith("DKIM-Signature") && !l.startsWith("Received") && !l.startsWith("\t")).toList();
            assertThat(headerLines).as(c.getKey()).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(78));
            Peer.Result parsed = Peer.run(List.of("python3", script.toString(), file.toString()), null, 30);
            assertThat(parsed.exit()).as(parsed.output()).isZero();
            assertThat(parsed.output()).as(c.getKey()).isEqualTo(c.getValue() + "\n--\n" + c.getValue());
        }
    }

    /** The Maildir file of queue id {@code id}, once delivered (its Received line names the id), or null. */
    private static Path delivered(String id) throws Exception {
        Path dir = sluice.dataDir().resolve("mail/example.test/alice/new");
        if (!Files.isDirectory(dir)) return null;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                if (Files.readString(p, StandardCharsets.UTF_8).contains(" id " + id)) return p;
            }
        }
        return null;
    }
}
