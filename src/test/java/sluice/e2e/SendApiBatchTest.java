package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import sluice.auth.UserStore;
import sluice.mailauth.DkimKeys;
import sluice.spool.QueuedMessage;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TempDirs;

/**
 * Batches ({@code recipients}), {@code list_unsubscribe} and the error shapes of POST /api/v1/messages, through a
 * real node whose delivery is paused: what the API answers is counted in the queue.
 */
class SendApiBatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static HttpResponse<String> post(SluiceHarness s, String key, Object body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + s.config().admin().address() + "/api/v1/messages"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body instanceof String t ? t.getBytes(StandardCharsets.UTF_8)
                        : JSON.writeValueAsBytes(body)));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, Object> campaign(int n) {
        List<Map<String, Object>> recipients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            recipients.add(Map.of("to", "R " + i + " <r" + i + "@remote.test>", "variables", Map.of("name", "R<&>" + i, "code", "c" + i)));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("from", "Alice <alice@example.test>");
        m.put("subject", "Hello {{name}}");
        m.put("text", "Dear {{ name }}, your code is {{code}}.");
        m.put("html", "<p>Dear {{name}}</p>");
        m.put("list_unsubscribe", List.of("mailto:unsub@example.test?subject={{code}}", "https://example.test/u?t={{code}}"));
        m.put("recipients", recipients);
        return m;
    }

    private static String data(SluiceHarness s, String id) throws Exception {
        return new String(s.spool().readData(id).orElseThrow(), StandardCharsets.UTF_8);
    }

    @Test
    void aThousandRecipientsAreAThousandMessagesEachPersonalisedAndQueuedOnce() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            String key = UserStore.open(s.dataDir()).createApiKey(SluiceHarness.USER);
            long start = System.nanoTime();
            HttpResponse<String> r = post(s, key, campaign(1000));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            JsonNode answer = JSON.readTree(r.body());
            assertThat(answer.path("queued").asInt()).isEqualTo(1000);
            assertThat(answer.path("refused").asInt()).isZero();
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 1000; i++) {
                JsonNode item = answer.path("messages").get(i);
                assertThat(item.path("index").asInt()).isEqualTo(i);
                assertThat(item.path("to").asText()).isEqualTo("r" + i + "@remote.test");
                ids.add(item.path("id").asText());
            }
            assertThat(ids).hasSize(1000);
            List<QueuedMessage> queue = s.queue();
            assertThat(queue).hasSize(1000);
            assertThat(queue).extracting(QueuedMessage::id).containsExactlyInAnyOrderElementsOf(ids);
            for (int i : new int[] {0, 517, 999}) {
                String id = answer.path("messages").get(i).path("id").asText();
                QueuedMessage q = queue.stream().filter(m -> m.id().equals(id)).findFirst().orElseThrow();
                assertThat(q.envelope().recipients()).singleElement().extracting(x -> x.address()).isEqualTo("r" + i + "@remote.test");
                assertThat(data(s, id).replace("\r\n ", " ")).contains("\r\nTo: R " + i + " <r" + i + "@remote.test>\r\n")
                        .contains("\r\nSubject: Hello R<&>" + i + "\r\n")
                        .contains("Dear R<&>" + i + ", your code is c" + i + ".")
                        .contains("<p>Dear R&lt;&amp;&gt;" + i + "</p>")
                        .contains("\r\nList-Unsubscribe: <mailto:unsub@example.test?subject=c" + i + ">, <https://example.test/u?t=c" + i + ">\r\n")
                        .contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
                        .contains("Message-ID: " + answer.path("messages").get(i).path("message_id").asText());
            }
            System.out.printf("1,000-recipient batch: answered in %d ms (load %s)%n", millis,
                    Files.readString(Path.of("/proc/loadavg")).strip());
        }
    }

    @Test
    void aBatchWithAnyBadRecipientQueuesNothingAndNamesEveryProblem() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            String key = UserStore.open(s.dataDir()).createApiKey(SluiceHarness.USER);
            Map<String, Object> m = campaign(4);
            m.put("recipients", List.of(
                    Map.of("to", "a@remote.test", "variables", Map.of("name", "A", "code", "1")),
                    Map.of("to", "b@remote.test", "variables", Map.of("code", "2")),
                    Map.of("to", "not an address", "variables", Map.of("name", "C", "code", "3")),
                    Map.of("to", "d@remote.test", "variables", Map.of("name", "D\r\nBcc: x@evil.test", "code", "4"))));
            HttpResponse<String> r = post(s, key, m);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            JsonNode answer = JSON.readTree(r.body());
            assertThat(answer.path("error").asText()).startsWith("\"recipients[1].variables.name\": missing: {{name}} is used in subject, text, html")
                    .contains("and 2 more problems");
            List<String> fields = new ArrayList<>();
            answer.path("errors").forEach(e -> fields.add(e.path("field").asText()));
            assertThat(fields).containsExactly("recipients[1].variables.name", "recipients[2].to", "recipients[3].subject");
            assertThat(s.queue()).isEmpty();

            HttpResponse<String> tooMany = post(s, key, campaign(1001));
            assertThat(tooMany.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(tooMany.body()).path("errors").get(0).path("field").asText()).isEqualTo("recipients");
            assertThat(tooMany.body()).contains("more than 1000");
            assertThat(s.queue()).isEmpty();

            // what concerns one recipient alone refuses that one: the campaign goes to the others
            HttpResponse<String> added = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + s.config().admin().address() + "/api/v1/suppression"))
                    .header("Authorization", "Bearer " + Files.readString(s.config().admin().tokenFile()).strip())
                    .POST(HttpRequest.BodyPublishers.ofString("{\"address\": \"r1@remote.test\", \"reason\": \"complained\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
            HttpResponse<String> partly = post(s, key, campaign(3));
            assertThat(partly.statusCode()).as(partly.body()).isEqualTo(202);
            JsonNode p = JSON.readTree(partly.body());
            assertThat(p.path("queued").asInt()).isEqualTo(2);
            assertThat(p.path("refused").asInt()).isEqualTo(1);
            assertThat(p.path("messages").get(1).path("error").asText()).contains("r1@remote.test").contains("suppressed: complained");
            assertThat(p.path("messages").get(1).has("id")).isFalse();
            assertThat(s.queue()).hasSize(2);
        }
    }

    @Test
    void fieldErrorsComeAsAListAndARateLimitSaysWhenToRetry() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", "[limits]\nmessages_per_user_per_hour = 2\n")) {
            String key = UserStore.open(s.dataDir()).createApiKey(SluiceHarness.USER);
            HttpResponse<String> r = post(s, key, """
                    {"from": "alice@example.test", "to": ["b@example.test", "nope"], "txt": "x",
                     "attachments": [{"filename": "../a\\r\\nb.txt", "content_type": "text/plain x", "content": "%%%"}],
                     "list_unsubscribe": "ftp://example.test/u"}
                    """);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            JsonNode errors = JSON.readTree(r.body()).path("errors");
            Map<String, String> byField = new LinkedHashMap<>();
            errors.forEach(e -> byField.put(e.path("field").asText(), e.path("message").asText()));
            assertThat(byField).containsOnlyKeys("txt", "to[1]", "text", "list_unsubscribe", "attachments[0].filename",
                    "attachments[0].content_type", "attachments[0].content");
            assertThat(byField.get("attachments[0].filename")).contains("control characters");
            assertThat(byField.get("attachments[0].content")).contains("not valid base64");
            assertThat(byField.get("list_unsubscribe")).contains("https:, http: or mailto:");

            // a batch of three counts three messages toward the hourly limit of two: refused whole, with Retry-After
            HttpResponse<String> batch = post(s, key, campaign(3));
            assertThat(batch.statusCode()).as(batch.body()).isEqualTo(429);
            assertThat(batch.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
            assertThat(s.queue()).isEmpty();
        }
    }

    /** dkimpy (python3-dkim) verifies the signature over both List-Unsubscribe fields, and fails when one changes. */
    @Test
    void oneClickUnsubscribeFieldsAreSignedAndDkimpyVerifiesThem() throws Exception {
        assumeTrue(Peer.run(List.of("/usr/bin/python3", "-c", "import dkim"), null, 30).ok(), "dkimpy (python3-dkim) is installed by .ci/run");
        Path keyDir = TempDirs.dir("sluice-dkim");
        KeyPair pair = DkimKeys.generate("rsa2048");
        Path dkimKey = keyDir.resolve("example.test.s1.key");
        DkimKeys.writePem(pair.getPrivate(), dkimKey);
        Path script = keyDir.resolve("verify.py");
        Files.writeString(script, """
                import sys, dkim
                msg = open(sys.argv[1], 'rb').read()
                record = sys.argv[2].encode()
                d = dkim.DKIM(msg)
                ok = d.verify(dnsfunc=lambda name, timeout=5: record)
                print('dkimpy', ok, ' '.join(h[0].decode().lower() for h in d.signed_headers) if ok else '')
                sys.exit(0 if ok else 1)
                """);
        try (SluiceHarness s = SluiceHarness.start("[]", """
                [[dkim]]
                domain = "example.test"
                selector = "s1"
                key_file = "%s"
                """.formatted(dkimKey))) {
            String key = UserStore.open(s.dataDir()).createApiKey(SluiceHarness.USER);
            HttpResponse<String> r = post(s, key, campaign(2));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            String record = DkimKeys.txtRecord(pair.getPublic());
            for (int i = 0; i < 2; i++) {
                String message = data(s, JSON.readTree(r.body()).path("messages").get(i).path("id").asText());
                assertThat(message.replace("\r\n ", " ")).contains("List-Unsubscribe: <mailto:unsub@example.test?subject=c" + i + ">, <https://example.test/u?t=c" + i + ">\r\n")
                        .contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
                String h = message.substring(message.indexOf(" h=") + 3, message.indexOf(';', message.indexOf(" h="))).replaceAll("\\s", "");
                assertThat(h.split(":")).contains("list-unsubscribe", "list-unsubscribe-post");
                Path file = keyDir.resolve("m" + i + ".eml");
                Files.writeString(file, message);
                Peer.Result ok = Peer.run(List.of("/usr/bin/python3", script.toString(), file.toString(), record), null, 30);
                assertThat(ok.exit()).as(ok.output()).isZero();
                // dkimpy's own reading of what the signature covers
                assertThat(ok.output()).contains("dkimpy True").contains(" list-unsubscribe ").contains(" list-unsubscribe-post");
                // a relay that dropped the one-click field, or pointed the link elsewhere, breaks the signature
                for (String tampered : List.of(message.replace("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", ""),
                        message.replace("u?t=c" + i + ">", "u?t=evil>"))) {
                    Files.writeString(file, tampered);
                    Peer.Result bad = Peer.run(List.of("/usr/bin/python3", script.toString(), file.toString(), record), null, 30);
                    assertThat(bad.exit()).as(bad.output()).isNotZero();
                }
            }
        }
    }
}
