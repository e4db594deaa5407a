package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.Dialog;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;
import sluice.testkit.TempDirs;

/**
 * A suppression reason is echoed in the 550 to every later RCPT: it is bounded where it enters (CLI, admin API)
 * and, from a file written some other way, can neither forge a reply line nor make a 5 MB one.
 */
class SuppressionReasonTest {
    @TempDir Path data;

    @Test
    void aReasonFromTheFileCannotForgeAReplyLine() throws Exception {
        // as an older version, or an editor, may have written it: migrated at start
        Path dir = TempDirs.dir("sluice-it");
        Files.createDirectories(dir.resolve("data"));
        String forged = "spam\\r\\n250 2.1.5 forged";
        String huge = "y".repeat(5_000_000);
        Files.writeString(dir.resolve("data").resolve("suppression.json"), """
                    {"entries": [
                      {"domain": "*", "address": "crlf@far.test", "reason": "%s", "added": "2026-01-01T00:00:00Z"},
                      {"domain": "*", "address": "huge@far.test", "reason": "%s", "added": "2026-01-01T00:00:00Z"}
                    ]}""".formatted(forged, huge));
        try (SluiceHarness s = SluiceHarness.startIn(dir, "[\"127.0.0.0/8\"]", "")) {
            try (Dialog d = new Dialog(s.mx)) {
                d.expect();
                d.ask("EHLO c.test");
                d.ask("MAIL FROM:<x@example.test>");
                // C: RCPT TO:<crlf@far.test>   S: 550 5.7.1 Recipient address suppressed: spam 250 2.1.5 forged ...
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> d.ask("RCPT TO:<crlf@far.test>").startsWith("550"));
                d.send("RCPT TO:<crlf@far.test>");
                List<String> crlf = d.reply();
                assertThat(crlf).hasSize(1);
                assertThat(crlf.get(0)).startsWith("550 5.7.1 Recipient address suppressed: spam 250 2.1.5 forged");
                d.send("RCPT TO:<huge@far.test>");
                List<String> big = d.reply();
                assertThat(big).hasSize(1);
                assertThat(big.get(0).getBytes(StandardCharsets.UTF_8).length + 2).isLessThanOrEqualTo(512);
                assertThat(big.get(0)).startsWith("550 5.7.1 Recipient address suppressed: yyy");
                // the session goes on: no half-read line is left behind
                assertThat(d.ask("NOOP")).startsWith("250");
            }
        }
    }

    @Test
    void theCliRefusesAReasonThatIsTooLongOrNotOneLine() throws Exception {
        for (String reason : List.of("x".repeat(201), "spam\r\n250 forged")) {
            Peer.Result r = SluiceProcess.run(null, "suppression", "add", "bob@far.test", "--reason", reason,
                    "--data-dir", data.toString());
            assertThat(r.exit()).as(r.output()).isEqualTo(2);
            assertThat(r.output().strip()).startsWith("sluice: reason: ").doesNotContain("\n").doesNotContain("Exception");
        }
        Peer.Result ok = SluiceProcess.run(null, "suppression", "add", "bob@far.test", "--reason", "x".repeat(200),
                "--data-dir", data.toString());
        assertThat(ok.exit()).as(ok.output()).isZero();
    }

    @Test
    void theAdminApiAnswers400ForAHugeReason() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            String token = Files.readString(s.config().admin().tokenFile()).strip();
            String body = "{\"address\":\"bob@far.test\",\"reason\":\"" + "z".repeat(100_000) + "\"}";
            try (HttpClient http = HttpClient.newHttpClient()) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + s.config().admin().address()
                                + "/api/v1/suppression")).header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
                assertThat(r.body()).startsWith("{\"error\":\"reason: at most 200 characters");
                // 5 MB is past the admin API's 1 MB body limit: refused before the reason is even read
                HttpResponse<String> huge = http.send(HttpRequest.newBuilder(URI.create("http://" + s.config().admin().address()
                                + "/api/v1/suppression")).header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString(body.replace("z".repeat(100_000), "z".repeat(5_000_000))))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(huge.statusCode()).as(huge.body()).isEqualTo(413);
                assertThat(huge.body()).startsWith("{\"error\":");
                HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create("http://" + s.config().admin().address()
                                + "/api/v1/suppression")).header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"address\":\"" + "b".repeat(100_000) + "@x\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
                assertThat(bad.body().length()).isLessThan(300);
            }
        }
    }
}
