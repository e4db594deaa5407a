package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import sluice.auth.UserStore;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TempDirs;

/**
 * The admin port against a hostile page and against operators' mistakes: Host checks (DNS rebinding), the admin
 * token and API keys told apart, bad input answered 4xx with a JSON error, and the queue listed a page at a time.
 */
class AdminHttpGuardTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** curl's answer: the status and the body. */
    private record Answer(int status, String body) {
        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }
    }

    private static Answer curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-g", "-w", "\n%{http_code}"));
        cmd.addAll(List.of(args));
        Peer.Result r = Peer.run(cmd, null, 30);
        String out = r.output().strip();
        int nl = out.lastIndexOf('\n');
        return new Answer(Integer.parseInt(out.substring(nl + 1)), nl < 0 ? "" : out.substring(0, nl));
    }

    private static String base(SluiceHarness s) {
        return "http://" + s.config().admin().address();
    }

    private static String token(SluiceHarness s) throws Exception {
        return Files.readString(s.config().admin().tokenFile()).strip();
    }

    @Test
    void onlyTheAdminAddressLocalhostAndLoopbackAreServed() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            String auth = "Authorization: Bearer " + token(s);
            String port = s.config().admin().address().substring(s.config().admin().address().lastIndexOf(':') + 1);
            for (String path : List.of("/metrics", "/api/v1/queue", "/api/v1/stats", "/api/v1/openapi.json", "/", "/dashboard.js")) {
                for (String host : List.of("evil.example", "evil.example:" + port, "127.0.0.1.nip.io:" + port, "10.0.0.1")) {
                    Answer a = curl("-H", "Host: " + host, "-H", auth, base(s) + path);
                    assertThat(a.status()).as(host + " " + path).isEqualTo(421);
                    assertThat(a.json().path("error").asText()).contains("answers only to its own address").contains(host);
                }
                for (String host : List.of("127.0.0.1:" + port, "127.0.0.1", "localhost:" + port, "LOCALHOST", "[::1]:" + port)) {
                    assertThat(curl("-H", "Host: " + host, "-H", auth, base(s) + path).status()).as(host + " " + path).isEqualTo(200);
                }
            }
            HttpResponse<String> java = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base(s) + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(java.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theAdminTokenOnTheSendApiAndAnApiKeyOnAdminEndpointsSayWhichTokenTheyAre() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            String key = UserStore.open(s.dataDir()).createApiKey(SluiceHarness.USER);
            String message = "{\"from\": \"alice@example.test\", \"to\": \"alice@example.test\", \"text\": \"hi\"}";
            for (int i = 0; i < 8; i++) { // more than [auth] max_failures (5): none of them may count
                Answer a = curl("-H", "Authorization: Bearer " + token(s), "-H", "Content-Type: application/json",
                        "--data-binary", message, base(s) + "/api/v1/messages");
                assertThat(a.status()).isEqualTo(401);
                assertThat(a.json().path("error").asText()).contains("this is the admin token").contains("sluice user apikey");
            }
            Answer sent = curl("-H", "Authorization: Bearer " + key, "-H", "Content-Type: application/json",
                    "--data-binary", message, base(s) + "/api/v1/messages");
            assertThat(sent.status()).as(sent.body()).isEqualTo(202);

            Answer admin = curl("-H", "Authorization: Bearer " + key, base(s) + "/api/v1/queue");
            assertThat(admin.status()).isEqualTo(401);
            assertThat(admin.json().path("error").asText()).contains("this is a user's API key").contains("token_file");
            Answer wrong = curl("-H", "Authorization: Bearer nonsense", base(s) + "/api/v1/queue");
            assertThat(wrong.json().path("error").asText()).contains("wrong bearer token");
        }
    }

    @Test
    void badInputOnEveryAdminEndpointIsA4xxWithAJsonError() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            String auth = "Authorization: Bearer " + token(s);
            String deep = "[".repeat(2000);
            String huge = "x".repeat(100_000);
            record Case(String method, String path, String body, int status) {}
            List<Case> cases = List.of(
                    new Case("GET", "/api/v1/queue?limit=abc", null, 400),
                    new Case("GET", "/api/v1/queue?limit=0", null, 400),
                    new Case("GET", "/api/v1/queue?limit=10001", null, 400),
                    new Case("GET", "/api/v1/queue?after=%01", null, 400),
                    new Case("GET", "/api/v1/queue/NOSUCH", null, 404),
                    new Case("GET", "/api/v1/queue/%00", null, 400),
                    new Case("GET", "/api/v1/queue/" + "x".repeat(20_000), null, 414),
                    new Case("POST", "/api/v1/queue/NOSUCH/explode", "", 404),
                    new Case("DELETE", "/api/v1/queue/..%2F..%2Fetc", null, 404),
                    new Case("GET", "/api/v1/events?limit=-1", null, 400),
                    new Case("POST", "/api/v1/queue-actions", "", 400),
                    new Case("POST", "/api/v1/queue-actions", "{", 400),
                    new Case("POST", "/api/v1/queue-actions", deep, 400),
                    new Case("POST", "/api/v1/queue-actions", "{\"action\": 5, \"ids\": []}", 400),
                    new Case("POST", "/api/v1/queue-actions", "{\"action\": \"hold\", \"ids\": [1e999999]}", 400),
                    new Case("POST", "/api/v1/queue-actions", "{\"action\": \"hold\", \"ids\": " + "9".repeat(5000) + "}", 400),
                    new Case("POST", "/api/v1/suppression", "null", 400),
                    new Case("POST", "/api/v1/suppression", deep, 400),
                    new Case("POST", "/api/v1/suppression", "{\"address\": \"a@b.test\", \"domain\": 5}", 400),
                    new Case("POST", "/api/v1/suppression", "{\"address\": \"a@b.test\", \"reason\": {\"x\": 1}}", 400),
                    new Case("POST", "/api/v1/suppression", "{\"address\": \"" + huge + "@b.test\"}", 400),
                    new Case("POST", "/api/v1/suppression", "{\"address\": \"a@b.test\\r\\nX: y\"}", 400),
                    new Case("POST", "/api/v1/suppression", "{\"address\": \"a@b.test\", \"domain\": \"not a domain\"}", 400),
                    new Case("DELETE", "/api/v1/suppression/a%40b.test?domain=%25%25", null, 400),
                    new Case("DELETE", "/api/v1/suppression/not-an-address", null, 400),
                    new Case("POST", "/api/v1/queue-actions", "{\"action\": \"hold\", \"ids\": [" + "\"x\",".repeat(400_000) + "\"x\"]}", 413));
            for (Case c : cases) {
                List<String> args = new ArrayList<>(List.of("-X", c.method(), "-H", auth));
                if (c.body() != null && c.body().length() > 100_000) { // beyond what one command-line argument may hold
                    java.nio.file.Path file = TempDirs.file("sluice-body", ".json");
                    Files.writeString(file, c.body());
                    args.addAll(List.of("-H", "Content-Type: application/json", "--data-binary", "@" + file));
                } else if (c.body() != null) {
                    args.addAll(List.of("-H", "Content-Type: application/json", "--data-binary", c.body()));
                }
                args.add(base(s) + c.path());
                Answer a = curl(args.toArray(String[]::new));
                String what = c.method() + " " + c.path().substring(0, Math.min(60, c.path().length())) + " "
                        + (c.body() == null ? "" : c.body().substring(0, Math.min(60, c.body().length())));
                assertThat(a.status()).as(what + " → " + a.body()).isEqualTo(c.status());
                assertThat(a.json().path("error").asText()).as(what).isNotBlank()
                        .doesNotContain("Exception", "StreamReadConstraints", "jackson", "<html", "max_message_size");
            }
        }
    }

    /**
     * A client that sends a too-large body without {@code Expect: 100-continue}, and reads only once it has written
     * it, reads the 413 every time: the server takes the declared bytes it refused (RefusedBody) instead of closing on
     * them unread, which resets the connection and can destroy the answer before the client reads it. (Seen once in
     * CI through HttpClient; on this machine Jetty's own clean-up wins the race without RefusedBody too, so this guards
     * the promise rather than proving the mend.)
     */
    @Test
    void aBodyOverTheLimitSentWithoutWaitingGetsTheRefusalEveryTime() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            String where = s.config().admin().address();
            int port = Integer.parseInt(where.substring(where.lastIndexOf(':') + 1));
            byte[] body = ("{\"address\":\"bob@far.test\",\"reason\":\"" + "z".repeat(12_000_000) + "\"}")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            byte[] head = ("POST /api/v1/suppression HTTP/1.1\r\nHost: " + where + "\r\nAuthorization: Bearer " + token(s)
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            for (int i = 0; i < 10; i++) {
                try (java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
                    socket.setSoTimeout(20_000);
                    Thread writer = Thread.ofVirtual().start(() -> {
                        try {
                            socket.getOutputStream().write(head);
                            socket.getOutputStream().write(body);
                        } catch (java.io.IOException e) {
                            // the server closed after answering; the answer is what the test reads
                        }
                    });
                    // read only once the whole body is written, as a client that sends before it listens does
                    writer.join(java.time.Duration.ofSeconds(20));
                    String answer = new String(socket.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII);
                    assertThat(answer).as("attempt " + i).isEqualTo("HTTP/1.1 413");
                }
            }
        }
    }

    @Test
    void theQueueIsListedAPageAtATimeAndQueueActionsPageThroughAll() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[\"127.0.0.0/8\"]", "")) {
            for (int i = 0; i < 25; i++) s.sendMx("a@far.test", "Subject: " + i + "\n\nx\n", "bob@example.test");
            List<String> expected = s.queue().stream().map(m -> m.id()).toList();
            HttpClient http = HttpClient.newHttpClient();
            Set<String> seen = new LinkedHashSet<>();
            String after = null;
            int pages = 0;
            do {
                String url = base(s) + "/api/v1/queue?limit=10" + (after == null ? "" : "&after=" + after);
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", "Bearer " + token(s)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                JsonNode page = JSON.readTree(r.body());
                assertThat(page.isArray()).isTrue();
                assertThat(page.size()).isLessThanOrEqualTo(10);
                for (JsonNode m : page) assertThat(seen.add(m.path("id").asText())).as("listed once").isTrue();
                after = r.headers().firstValue("X-Next-After").orElse(null);
                if (after != null) {
                    assertThat(r.headers().firstValue("Link").orElseThrow()).contains("after=" + after).contains("rel=\"next\"");
                }
                pages++;
            } while (after != null);
            assertThat(pages).isEqualTo(3);
            assertThat(List.copyOf(seen)).isEqualTo(expected);
            // the default page holds them all, without a next cursor
            HttpResponse<String> all = http.send(HttpRequest.newBuilder(URI.create(base(s) + "/api/v1/queue"))
                    .header("Authorization", "Bearer " + token(s)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(JSON.readTree(all.body())).hasSize(25);
            assertThat(all.headers().firstValue("X-Next-After")).isEmpty();

            // `sluice queue hold --all` against the running server pages through (1,000 a page): all 1,025 held
            for (int i = 0; i < 1000; i++) {
                s.spool().commit(s.spool().newId(), new sluice.spool.Envelope("a@far.test",
                        List.of(sluice.spool.Recipient.pending("bob@example.test", null, null)), java.time.Instant.now(), 3,
                        java.util.Map.of()), "x\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            Peer.Result held = sluice.testkit.SluiceProcess.run(null, "queue", "hold", "--all", "--config",
                    s.dir.resolve("sluice.toml").toString());
            assertThat(held.exit()).as(held.output().lines().limit(5).toList().toString()).isZero();
            assertThat(held.output()).contains("admin API");
            assertThat(held.output().lines().filter(l -> l.endsWith(": held"))).hasSize(1025);
            assertThat(s.queue()).hasSize(1025).allSatisfy(m -> assertThat(m.state().held()).isTrue());
        }
    }
}
