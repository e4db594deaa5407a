package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import sluice.auth.UserStore;
import sluice.dns.TxtAnswer;
import sluice.mailauth.DkimKeys;
import sluice.mailauth.DkimResult;
import sluice.mailauth.DkimVerifier;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;
import sluice.testkit.TempDirs;

/** POST /api/v1/messages as an application uses it: curl with a user's API key, then the mail in the Maildir. */
class SendApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern KEY = Pattern.compile("sk_[A-Za-z0-9_-]{43}");

    private static String base(SluiceHarness s) {
        return "http://" + s.config().admin().address();
    }

    private static Peer.Result curl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-sS", "-w", "\n%{http_code}"));
        cmd.addAll(List.of(args));
        return Peer.run(cmd, null, 30);
    }

    private static int status(Peer.Result r) {
        String out = r.output().strip();
        return Integer.parseInt(out.substring(out.lastIndexOf('\n') + 1));
    }

    private static JsonNode body(Peer.Result r) throws Exception {
        String out = r.output().strip();
        return JSON.readTree(out.substring(0, out.lastIndexOf('\n')));
    }

    private static List<String> maildir(SluiceHarness s, String user) throws Exception {
        Path dir = s.dataDir().resolve("mail/example.test/" + user + "/new");
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().map(p -> {
                try {
                    return Files.readString(p, StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }

    @Test
    void jsonAndRawMessagesAreQueuedSignedDeliveredAndLogged() throws Exception {
        Path keyDir = TempDirs.dir("sluice-dkim");
        KeyPair pair = DkimKeys.generate("ed25519");
        Path dkimKey = keyDir.resolve("example.test.s1.key");
        DkimKeys.writePem(pair.getPrivate(), dkimKey);
        try (SluiceHarness s = SluiceHarness.start("[]", """
                [delivery]
                dns_servers = ["127.0.0.1:1"]
                [[dkim]]
                domain = "example.test"
                selector = "s1"
                key_file = "%s"
                """.formatted(dkimKey))) {
            String config = s.dir.resolve("sluice.toml").toString();
            Peer.Result made = SluiceProcess.run(null, "user", "apikey", SluiceHarness.USER, "--config", config);
            assertThat(made.exit()).as(made.output()).isZero();
            Matcher m = KEY.matcher(made.output());
            assertThat(m.find()).as(made.output()).isTrue();
            String key = m.group();
            Peer.Result list = SluiceProcess.run(null, "user", "list", "--config", config);
            assertThat(list.output()).contains(SluiceHarness.USER).contains("1 api key").doesNotContain(key)
                    .doesNotContain(key.substring(3, 20));
            assertThat(Files.readString(s.dataDir().resolve("users.json"))).doesNotContain(key);

            String json = """
                    {"from": "Jörg Ärger <alice@example.test>", "to": ["bob@example.test"], "cc": "Carol <carol@example.test>",
                     "bcc": ["hidden@example.test"], "reply_to": "help@example.test", "subject": "Grüße aus Köln",
                     "text": "Hallo Bob,\\nschöne Grüße.\\n", "html": "<p>Hallo <b>Bob</b></p>", "headers": {"X-Campaign": "spring"}}
                    """;
            Peer.Result sent = curl("-H", "Authorization: Bearer " + key, "-H", "Content-Type: application/json",
                    "--data-binary", json, base(s) + "/api/v1/messages");
            assertThat(status(sent)).as(sent.output()).isEqualTo(202);
            JsonNode reply = body(sent);
            assertThat(reply.path("id").asText()).isNotEmpty();
            assertThat(reply.path("message_id").asText()).matches("<.+@mx\\.sluice\\.test>");
            assertThat(reply.path("recipients").asInt()).isEqualTo(3);

            Path raw = keyDir.resolve("raw.eml");
            Files.writeString(raw, "From: Alice <alice@example.test>\nTo: dave@example.test\nBcc: secret@example.test\n"
                    + "Subject: raw\n\nraw body line\n");
            Peer.Result rawSent = curl("-H", "Authorization: Bearer " + key, "-H", "Content-Type: message/rfc822",
                    "--data-binary", "@" + raw, base(s) + "/api/v1/messages");
            assertThat(status(rawSent)).as(rawSent.output()).isEqualTo(202);
            assertThat(body(rawSent).path("recipients").asInt()).isEqualTo(2);
            Peer.Result rawTo = curl("-H", "Authorization: Bearer " + key, "-H", "Content-Type: message/rfc822",
                    "--data-binary", "Subject: to alice only\n\nhi\n",
                    base(s) + "/api/v1/messages?from=alice@example.test&to=alice@example.test");
            assertThat(status(rawTo)).as(rawTo.output()).isEqualTo(202);

            s.awaitEmptyQueue(Duration.ofSeconds(20));
            // The catch-all takes bob, carol, hidden, dave and secret to postmaster (one copy per message); alice is a user.
            List<String> postmaster = maildir(s, "postmaster");
            assertThat(postmaster).hasSize(2);
            String composed = postmaster.stream().filter(t -> t.contains("X-Campaign")).findFirst().orElseThrow();
            String id = reply.path("id").asText();
            assertThat(composed).startsWith("Return-Path: <alice@example.test>")
                    .contains("DKIM-Signature: ").contains("d=example.test")
                    .contains("Received: from [127.0.0.1] ([127.0.0.1])\n\tby mx.sluice.test (Sluice) with HTTP id " + id)
                    .contains("From: =?UTF-8?B?").contains(" <alice@example.test>")
                    .contains("To: bob@example.test\n").contains("Cc: Carol <carol@example.test>\n")
                    .contains("Reply-To: help@example.test\n").contains("Subject: =?UTF-8?B?")
                    .contains("Message-ID: " + reply.path("message_id").asText() + "\n").containsPattern("\nDate: \\w{3}, ")
                    .contains("X-Campaign: spring\n").contains("MIME-Version: 1.0\n")
                    .contains("Content-Type: multipart/alternative;").contains("Content-Type: text/plain; charset=UTF-8\n")
                    .contains("Content-Transfer-Encoding: quoted-printable\n").contains("sch=C3=B6ne Gr=C3=BC=C3=9Fe") // mime4j writes a final "." as =2E
                    .contains("Content-Type: text/html; charset=UTF-8\n").contains("<p>Hallo <b>Bob</b></p>")
                    .doesNotContain("hidden@example.test").doesNotContainIgnoringCase("bcc");
            assertThat(decodedSubject(composed)).isEqualTo("Grüße aus Köln");
            assertThat(composed.lines().mapToInt(String::length).max().orElse(0)).isLessThanOrEqualTo(998);

            String rawDelivered = postmaster.stream().filter(t -> t.contains("Subject: raw")).findFirst().orElseThrow();
            assertThat(rawDelivered).contains("DKIM-Signature: ").contains("with HTTP id").contains("raw body line")
                    .containsPattern("\nMessage-ID: <[^>]+@mx\\.sluice\\.test>").doesNotContain("Bcc:").doesNotContain("secret@");
            assertThat(maildir(s, "alice")).singleElement().asString().contains("Subject: to alice only")
                    .contains("\tfor <alice@example.test>").contains("From: <alice@example.test>");

            // The signature verifies over the bytes as they were queued (the Maildir has LF endings and two more fields).
            String record = DkimKeys.txtRecord(pair.getPublic());
            DkimVerifier verifier = new DkimVerifier(name -> name.equals("s1._domainkey.example.test")
                    ? new TxtAnswer.Records(List.of(record)) : new TxtAnswer.NoSuchDomain("none"), Clock.systemUTC());
            byte[] wire = composed.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
            assertThat(verifier.verify(wire)).extracting(DkimResult::result).containsExactly(DkimResult.Result.PASS);

            String log = Files.readString(s.deliveryLog());
            String received = log.lines().filter(l -> l.contains("\"event\":\"received\"") && l.contains(id)).findFirst().orElseThrow();
            JsonNode event = JSON.readTree(received);
            assertThat(event.path("auth_user").asText()).isEqualTo(SluiceHarness.USER);
            assertThat(event.path("listener").asInt()).isEqualTo(Integer.parseInt(s.config().admin().address().split(":")[1]));
            assertThat(event.path("client_ip").asText()).isEqualTo("127.0.0.1");
            assertThat(event.path("message_id").asText()).isEqualTo(reply.path("message_id").asText());
            assertThat(log).doesNotContain(key);
        }
    }

    private static String decodedSubject(String message) {
        String folded = message.substring(message.indexOf("\nSubject: ") + 10);
        StringBuilder out = new StringBuilder();
        Matcher w = Pattern.compile("=\\?UTF-8\\?B\\?([^?]+)\\?=").matcher(folded.substring(0, folded.indexOf("\nDate:")));
        while (w.find()) out.append(new String(java.util.Base64.getDecoder().decode(w.group(1)), StandardCharsets.UTF_8));
        return out.toString();
    }

    private record Case(String name, String type, String query, String body, int status, String error) {}

    @Test
    void theUsersHourlyLimitAnswers429() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[\"127.0.0.0/8\"]", "[limits]\nmessages_per_user_per_hour = 1\n")) {
            String key = UserStore.open(s.dataDir()).createApiKey(SluiceHarness.USER);
            String msg = "{\"from\":\"alice@example.test\",\"to\":[\"bob@example.test\"],\"subject\":\"s\",\"text\":\"x\"}";
            String[] args = {"-H", "Authorization: Bearer " + key, "-H", "Content-Type: application/json",
                    "--data-binary", msg, base(s) + "/api/v1/messages"};
            Peer.Result first = curl(args);
            assertThat(status(first)).as(first.output()).isEqualTo(202);
            Peer.Result second = curl(args);
            assertThat(status(second)).as(second.output()).isEqualTo(429);
            assertThat(body(second).path("error").asText()).contains("Sending rate limit exceeded for this user");
            assertThat(s.queue()).hasSize(1);
        }
    }

    @Test
    void everyRefusalHasItsStatusAndNamesTheProblem() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", """
                [limits]
                max_message_size = 4000
                max_recipients = 3
                """)) {
            String key = UserStore.open(s.dataDir()).createApiKey(SluiceHarness.USER);
            HttpClient http = HttpClient.newHttpClient();
            String ok = "{\"from\":\"alice@example.test\",\"to\":[\"bob@example.test\"],\"subject\":\"s\",\"text\":\"x\"}";
            List<Case> cases = List.of(
                    new Case("not JSON", "application/json", "", "{nope", 400, "not valid JSON"),
                    new Case("an array", "application/json", "", "[]", 400, "must be a JSON object"),
                    new Case("no from", "application/json", "", "{\"to\":[\"b@example.test\"],\"text\":\"x\"}", 400, "\"from\": required"),
                    new Case("bad from", "application/json", "", "{\"from\":\"alice\",\"to\":\"b@example.test\",\"text\":\"x\"}", 400, "\"from\": bad address"),
                    new Case("bad to", "application/json", "", "{\"from\":\"alice@example.test\",\"to\":[\"b@example.test\",\"no at\"],\"text\":\"x\"}", 400, "\"to[1]\": bad address"),
                    new Case("no recipients", "application/json", "", "{\"from\":\"alice@example.test\",\"to\":[],\"text\":\"x\"}", 400, "\"to\": at least one"),
                    new Case("no body", "application/json", "", "{\"from\":\"alice@example.test\",\"to\":\"b@example.test\"}", 400, "\"text\": one of"),
                    new Case("unknown field", "application/json", "", "{\"from\":\"alice@example.test\",\"to\":\"b@example.test\",\"txt\":\"x\"}", 400, "\"txt\": unknown field"),
                    new Case("reserved header", "application/json", "", "{\"from\":\"alice@example.test\",\"to\":\"b@example.test\",\"text\":\"x\",\"headers\":{\"Bcc\":\"x@y.test\"}}", 400, "\"headers.Bcc\""),
                    new Case("header injection", "application/json", "", "{\"from\":\"alice@example.test\",\"to\":\"b@example.test\",\"text\":\"x\",\"headers\":{\"X-A\":\"a\\r\\nBcc: x@y.test\"}}", 400, "\"headers.X-A\": must be one line"),
                    new Case("too many recipients", "application/json", "", "{\"from\":\"alice@example.test\",\"to\":[\"a@example.test\",\"b@example.test\"],\"cc\":[\"c@example.test\",\"d@example.test\"],\"text\":\"x\"}", 400, "max_recipients (3)"),
                    new Case("unknown local recipient", "application/json", "", "{\"from\":\"alice@example.test\",\"to\":\"nobody@strict.test\",\"text\":\"x\"}", 400, "nobody@strict.test: 550"),
                    new Case("too large", "application/json", "", "{\"from\":\"alice@example.test\",\"to\":\"b@example.test\",\"text\":\"" + "x".repeat(5000) + "\"}", 413, "max_message_size (4000)"),
                    new Case("foreign envelope sender", "application/json", "", "{\"from\":\"boss@far.test\",\"to\":\"b@example.test\",\"text\":\"x\"}", 403, "may not send as boss@far.test"),
                    new Case("raw: foreign From", "message/rfc822", "?from=alice@example.test&to=b@example.test", "From: boss@far.test\n\nx\n", 403, "may not send as boss@far.test (From)"),
                    new Case("raw: foreign ?from", "message/rfc822", "?from=boss@far.test", "From: alice@example.test\nTo: b@example.test\n\nx\n", 403, "(envelope sender)"),
                    new Case("raw: no sender", "message/rfc822", "", "To: b@example.test\n\nx\n", 400, "\"from\""),
                    new Case("raw: no recipients", "message/rfc822", "", "From: alice@example.test\n\nx\n", 400, "\"to\": no recipients"),
                    new Case("raw: bad ?to", "message/rfc822", "?to=nope", "From: alice@example.test\n\nx\n", 400, "\"to\": bad address"),
                    new Case("raw: not a message", "message/rfc822", "?to=b@example.test", "just text\n", 400, "line 1 is not a header field"),
                    new Case("raw: long line", "message/rfc822", "?to=b@example.test", "From: alice@example.test\n\n" + "y".repeat(1200) + "\n", 400, "longer than 998"),
                    new Case("other type", "text/plain", "", "hello", 415, "application/json or message/rfc822"));
            for (Case c : cases) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base(s) + "/api/v1/messages" + c.query()))
                        .header("Authorization", "Bearer " + key).header("Content-Type", c.type())
                        .POST(HttpRequest.BodyPublishers.ofString(c.body())).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(c.name() + ": " + r.body()).isEqualTo(c.status());
                assertThat(JSON.readTree(r.body()).path("error").asText()).as(c.name()).contains(c.error());
            }
            assertThat(s.queue()).isEmpty();

            String token = Files.readString(s.config().admin().tokenFile()).strip();
            // Keys and the admin token each open only their own door.
            assertThat(status(curl("-H", "Authorization: Bearer " + key, base(s) + "/api/v1/queue"))).isEqualTo(401);
            assertThat(status(curl("-H", "Authorization: Bearer " + token, base(s) + "/api/v1/queue"))).isEqualTo(200);
            Peer.Result noKey = curl("-H", "Content-Type: application/json", "--data-binary", ok, base(s) + "/api/v1/messages");
            assertThat(status(noKey)).isEqualTo(401);
            assertThat(body(noKey).path("error").asText()).contains("API key is required");
            Peer.Result admin = curl("-H", "Authorization: Bearer " + token, "-H", "Content-Type: application/json",
                    "--data-binary", ok, base(s) + "/api/v1/messages");
            assertThat(status(admin)).isEqualTo(401);
            assertThat(body(admin).path("error").asText()).contains("this is the admin token"); // and not counted
            Peer.Result good = curl("-H", "Authorization: Bearer " + key, "-H", "Content-Type: application/json",
                    "--data-binary", ok, base(s) + "/api/v1/messages");
            assertThat(status(good)).as(good.output()).isEqualTo(202);
            assertThat(s.queue()).hasSize(1);

            // Revoked on disk, refused by the running server at once.
            Peer.Result revoke = SluiceProcess.run(null, "user", "apikey", SluiceHarness.USER, "--revoke",
                    "--config", s.dir.resolve("sluice.toml").toString());
            assertThat(revoke.exit()).as(revoke.output()).isZero();
            assertThat(revoke.output()).contains("revoked 1 API key");
            Peer.Result revoked = curl("-H", "Authorization: Bearer " + key, "-H", "Content-Type: application/json",
                    "--data-binary", ok, base(s) + "/api/v1/messages");
            assertThat(status(revoked)).as(revoked.output()).isEqualTo(401);

            // Wrong keys count like failed AUTH: after max_failures (5) the client is locked out, even with a good key.
            String fresh = UserStore.open(s.dataDir()).createApiKey(SluiceHarness.USER);
            for (int i = 0; i < 5; i++) {
                curl("-H", "Authorization: Bearer sk_wrong" + i, "-H", "Content-Type: application/json", "--data-binary", ok,
                        base(s) + "/api/v1/messages");
            }
            Peer.Result locked = curl("-H", "Authorization: Bearer " + fresh, "-H", "Content-Type: application/json",
                    "--data-binary", ok, base(s) + "/api/v1/messages");
            assertThat(status(locked)).as(locked.output()).isEqualTo(429);
        }
    }
}
