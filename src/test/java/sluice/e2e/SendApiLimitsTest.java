package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import sluice.auth.UserStore;
import sluice.testkit.Dialog;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TempDirs;

/**
 * The send API under hostile and large requests: the key is checked before the body is read, bodies are read
 * within the size limit and a shared byte budget, and JSON limits follow max_message_size.
 */
class SendApiLimitsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String address(SluiceHarness s) {
        return s.config().admin().address();
    }

    private static int port(SluiceHarness s) {
        String a = address(s);
        return Integer.parseInt(a.substring(a.lastIndexOf(':') + 1));
    }

    /** Request line and headers only, on a raw socket: the body is the caller's to send (or not). */
    private static Socket open(SluiceHarness s, String key, String headers) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port(s)), 5000);
        socket.setSoTimeout(20_000);
        String head = "POST /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer " + key + "\r\n" + headers + "\r\n";
        socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    /** The status line and the body of the answer (up to 8 KiB of it). */
    private static String answer(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[8192];
        int n = 0;
        while (n < buf.length) {
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) break;
            n += r;
            String so = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
            int end = so.indexOf("\r\n\r\n");
            if (end > 0 && so.indexOf('}', end) > 0) break;
        }
        return new String(buf, 0, n, StandardCharsets.ISO_8859_1);
    }

    /** An interim answer's status line and headers, up to the blank line. */
    private static String head(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder h = new StringBuilder();
        while (h.length() < 4 || !h.substring(h.length() - 4).equals("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) break;
            h.append((char) c);
        }
        return h.toString();
    }

    private static String key(SluiceHarness s) throws IOException {
        return UserStore.open(s.dataDir()).createApiKey(SluiceHarness.USER);
    }

    @Test
    void aWrongKeyIsRefusedBeforeAnyOfTheBodyIsReadAndSmtpStillGreetsPromptly() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            // 120 clients declare 21 MB bodies with a wrong key and send none of it: each is answered 401 at once,
            // so the server read nothing (before the fix it waited for, and buffered, every body)
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 120; i++) sockets.add(open(s, "sk_wrong" + i, "Content-Length: 21000000\r\n"));
                long start = System.nanoTime();
                try (Dialog smtp = new Dialog(s.mx)) {
                    assertThat(smtp.expect()).startsWith("220");
                }
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
                for (Socket socket : sockets) {
                    String a = answer(socket);
                    assertThat(a).startsWith("HTTP/1.1 4"); // 401, or 429 once the lockout counts these guesses
                    assertThat(a).containsAnyOf("wrong API key", "too many failed attempts");
                }
            } finally {
                for (Socket socket : sockets) socket.close();
            }
        }
    }

    @Test
    void declaredAndChunkedBodiesOverTheLimitStopAtTheLimit() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", "[limits]\nmax_message_size = \"1MiB\"\n")) {
            String key = key(s);
            try (Socket declared = open(s, key, "Content-Length: 999999999\r\n")) {
                assertThat(answer(declared)).startsWith("HTTP/1.1 413").contains("larger than");
            }
            // a chunked body that never ends: the answer is 413 once it passes the limit (3 MiB: twice 1 MiB of
            // JSON escaping and 1 MiB of room), not a server that keeps buffering
            try (Socket chunked = open(s, key, "Transfer-Encoding: chunked\r\n")) {
                Thread writer = Thread.ofVirtual().start(() -> {
                    byte[] chunk = ("10000\r\n" + "x".repeat(0x10000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                    try {
                        OutputStream out = chunked.getOutputStream();
                        for (int i = 0; i < 1000; i++) out.write(chunk); // 64 MiB if nobody stops it
                    } catch (IOException expected) {
                        // the server answered and closed
                    }
                });
                assertThat(answer(chunked)).startsWith("HTTP/1.1 413");
                writer.join(Duration.ofSeconds(20));
                assertThat(writer.isAlive()).as("the server stopped reading").isFalse();
            }
        }
    }

    @Test
    void bodiesBeyondTheByteBudgetWaitBrieflyThenGet503WithRetryAfter() throws Exception {
        // max 1 MiB → a request may be 3 MiB; a 1-byte budget is raised to that: one large body at a time
        try (SluiceHarness s = SluiceHarness.start("[]", "send_bytes_in_flight = 1\n[limits]\nmax_message_size = \"1MiB\"\n")) {
            String key = key(s);
            String json = "{\"from\": \"alice@example.test\", \"to\": \"alice@example.test\", \"subject\": \"big\", \"text\": \""
                    + "\\u0041".repeat(330_000) + "\"}"; // 2 MB of JSON, a 0.3 MB message
            byte[] body = json.getBytes(StandardCharsets.US_ASCII);
            // 100 Continue goes out only once the first holds its 2 MB share (the server opens the body's stream,
            // which sends it, after taking the share): from here on the budget is full, whatever the scheduling
            try (Socket first = open(s, key, "Content-Length: " + body.length + "\r\nExpect: 100-continue\r\n")) {
                assertThat(head(first)).startsWith("HTTP/1.1 100");
                first.getOutputStream().write(body, 0, 1000); // and keeps it while it dawdles
                first.getOutputStream().flush();
                long start = System.nanoTime();
                try (Socket second = open(s, key, "Content-Length: " + body.length + "\r\n");
                     Socket third = open(s, key, "Content-Length: " + body.length + "\r\nExpect: 100-continue\r\n");
                     Dialog smtp = new Dialog(s.mx)) {
                    assertThat(smtp.expect()).startsWith("220"); // SMTP greets while the API waits for room
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
                    String a = answer(second);
                    assertThat(a).startsWith("HTTP/1.1 503").containsIgnoringCase("Retry-After:").contains("try again");
                    // a client that asked first is refused without being told to send: no 100 Continue before the 503
                    assertThat(answer(third)).startsWith("HTTP/1.1 503").containsIgnoringCase("Retry-After:");
                }
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
                first.getOutputStream().write(body, 1000, body.length - 1000);
                first.getOutputStream().flush();
                assertThat(answer(first)).startsWith("HTTP/1.1 202");
            }
            // the share came back: parallel clients (Java's HttpClient) are all served, in turn
            HttpClient http = HttpClient.newHttpClient();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<HttpResponse<String>>> sent = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    sent.add(pool.submit(() -> http.send(HttpRequest.newBuilder(URI.create("http://" + address(s) + "/api/v1/messages"))
                            .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString())));
                }
                for (Future<HttpResponse<String>> f : sent) {
                    HttpResponse<String> r = f.get();
                    assertThat(r.statusCode()).as(r.body()).isIn(202, 503);
                    if (r.statusCode() == 503) assertThat(r.headers().firstValue("Retry-After")).isPresent();
                }
            }
        }
    }

    @Test
    void jsonLimitsFollowTheMessageSizeAndBadJsonIsA400ThatSaysWhy() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", "[limits]\nmax_message_size = \"25MiB\"\n")) {
            String key = key(s);
            Path dir = TempDirs.dir("sluice-json");
            record Case(String name, String body, int status, String says) {}
            String text = ("a".repeat(70) + "\\n").repeat(21_000_000 / 72);
            List<Case> cases = List.of(
                    new Case("deep", "{\"a\":" + "[".repeat(1500) + "]".repeat(1500) + "}", 400, "nested deeper than"),
                    new Case("number", "{\"from\":\"alice@example.test\",\"to\":\"alice@example.test\",\"text\":" + "9".repeat(5000) + "}",
                            400, "a number longer than"),
                    new Case("broken", "{\"from\": [", 400, "not valid JSON (line 1"),
                    new Case("duplicate", "{\"from\":\"a@example.test\",\"from\":\"b@example.test\"}", 400, "Duplicate field"),
                    new Case("21 MB text", "{\"from\":\"alice@example.test\",\"to\":\"alice@example.test\",\"text\":\"" + text + "\"}",
                            202, "message_id"));
            for (Case c : cases) {
                Path file = dir.resolve(c.name().replace(' ', '_') + ".json");
                Files.writeString(file, c.body());
                Peer.Result r = Peer.run(List.of("curl", "-sS", "-w", "\n%{http_code}", "-H", "Authorization: Bearer " + key,
                        "-H", "Content-Type: application/json", "--data-binary", "@" + file,
                        "http://" + address(s) + "/api/v1/messages"), null, 60);
                String out = r.output().strip();
                assertThat(Integer.parseInt(out.substring(out.lastIndexOf('\n') + 1))).as(c.name() + ": " + out).isEqualTo(c.status());
                JsonNode answer = JSON.readTree(out.substring(0, out.lastIndexOf('\n')));
                assertThat(answer.toString()).as(c.name()).contains(c.says()).doesNotContain("Exception", "Constraints", "jackson");
            }
        }
    }
}
