package sluice.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The webhook receiver of the tests: node.js ({@code /usr/bin/node}) running {@code webhooks/receiver.js} on a free
 * loopback port, verifying every request with the official {@code standardwebhooks} npm package (1.1.1, installed
 * once into {@code target/node-standardwebhooks}). See receiver.js for what each path answers.
 */
public final class WebhookReceiver implements AutoCloseable {
    public static final String PACKAGE = "standardwebhooks@1.1.1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final Path log;
    public final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private WebhookReceiver(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** The package's directory, installed with npm when missing. */
    public static synchronized Path standardWebhooks() throws IOException, InterruptedException {
        Path prefix = Path.of("target/node-standardwebhooks").toAbsolutePath();
        Path pkg = prefix.resolve("node_modules/standardwebhooks");
        if (Files.exists(pkg.resolve("dist/index.js"))) return pkg;
        Peer.Result r = Peer.run(List.of("npm", "install", "--no-audit", "--no-fund", "--prefix", prefix.toString(), PACKAGE),
                null, 180);
        if (!Files.exists(pkg.resolve("dist/index.js"))) {
            throw new IOException("npm install " + PACKAGE + " failed: " + r);
        }
        return pkg;
    }

    /** Starts the receiver; {@code secrets}: per path ("/ok"), the whsec_ secrets each verifier holds alone. */
    public static WebhookReceiver start(Map<String, List<String>> secrets) throws Exception {
        Path pkg = standardWebhooks();
        Path dir = TempDirs.dir("webhook-receiver");
        Path script = dir.resolve("receiver.js");
        try (InputStream in = WebhookReceiver.class.getResourceAsStream("/webhooks/receiver.js")) {
            Files.copy(in, script);
        }
        int port = FreePorts.next();
        Path config = dir.resolve("config.json");
        Files.writeString(config, JSON.writeValueAsString(Map.of("port", port, "standardwebhooks", pkg.toString(),
                "secrets", secrets)));
        Path log = dir.resolve("receiver.log");
        Process p = new ProcessBuilder("node", script.toString(), config.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        WebhookReceiver r = new WebhookReceiver(p, log, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.readString(log).contains("listening")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                r.close();
                throw new IOException("the receiver did not start: " + Files.readString(log));
            }
            Thread.sleep(20);
        }
        return r;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** Every request seen so far (path, id, attempt, status, timestamp, signature, verified[], body). */
    public List<JsonNode> records() throws IOException, InterruptedException {
        JsonNode all = JSON.readTree(get("/ctl/records"));
        List<JsonNode> out = new java.util.ArrayList<>();
        all.forEach(out::add);
        return out;
    }

    public long fastCount() throws IOException, InterruptedException {
        return Long.parseLong(get("/ctl/fast").strip());
    }

    /** "/down" answers 503 ("down") or 200 ("up"). */
    public void mode(String mode) throws IOException, InterruptedException {
        http.send(HttpRequest.newBuilder(URI.create(url("/ctl/mode/" + mode))).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.discarding());
    }

    private String get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    public String output() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        http.close();
    }
}
