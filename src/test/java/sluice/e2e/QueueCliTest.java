package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.Dialog;
import sluice.testkit.FreePorts;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;
import sluice.testkit.TestDnsServer;

/** `sluice queue hold|release|retry|delete|bounce` against a running server (admin API) and a stopped one. */
class QueueCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String send(int port, String from, String to) throws Exception {
        try (Dialog d = new Dialog(port)) {
            d.expect();
            d.ask("EHLO c.test");
            d.ask("MAIL FROM:<" + from + ">");
            d.ask("RCPT TO:<" + to + ">");
            d.ask("DATA");
            String r = d.ask("Subject: q\r\n\r\nx\r\n.");
            assertThat(r).startsWith("250");
            return r.substring(r.lastIndexOf(' ') + 1);
        }
    }

    private JsonNode list(Path config) throws Exception {
        Peer.Result r = SluiceProcess.run(null, "queue", "list", "--json", "--config", config.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        return JSON.readTree(r.output().substring(r.output().indexOf('[')));
    }

    private static JsonNode find(JsonNode list, String id) {
        for (JsonNode m : list) if (m.path("id").asText().equals(id)) return m;
        return null;
    }

    @Test
    void actionsGoThroughTheAdminApiWhileTheServerRunsAndToTheSpoolWhenItDoesNot() throws Exception {
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Path config = SluiceHarness.writeConfig(dir, ports, "[]", "");
        String a;
        String b;
        try (SluiceProcess p = SluiceProcess.start("serve", "--config", config.toString())) {
            assertThat(p.awaitReady(60)).as(p.output()).isTrue();
            assertThat(Files.getPosixFilePermissions(dir.resolve("data/admin.token")))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            a = send(ports[0], "someone@far.test", "bob@example.test");
            b = send(ports[0], "postmaster@example.test", "carol@example.test");

            Peer.Result hold = SluiceProcess.run(null, "queue", "hold", a, "--config", config.toString());
            assertThat(hold.exit()).as(hold.output()).isZero();
            assertThat(hold.output()).contains("admin API").contains(a + ": held");
            assertThat(find(list(config), a).path("state").asText()).isEqualTo("held");

            Peer.Result missing = SluiceProcess.run(null, "queue", "retry", "0000000000000000", "--config", config.toString());
            assertThat(missing.exit()).isEqualTo(1);
            assertThat(missing.output()).contains("0000000000000000: no such message").doesNotContain("Exception");

            Peer.Result release = SluiceProcess.run(null, "queue", "release", "--all", "--config", config.toString());
            assertThat(release.exit()).as(release.output()).isZero();
            assertThat(release.output()).contains(a + ": released").contains(b + ": not held");

            Peer.Result bounce = SluiceProcess.run(null, "queue", "bounce", b, "--config", config.toString());
            assertThat(bounce.exit()).as(bounce.output()).isZero();
            JsonNode after = list(config);
            assertThat(find(after, b)).isNull();
            assertThat(after).anySatisfy(m -> { // the DSN to postmaster, from the null sender
                assertThat(m.path("sender").asText()).isEmpty();
                assertThat(m.path("recipients").get(0).asText()).isEqualTo("postmaster@example.test");
            });
            assertThat(p.terminate(40)).isZero();
        }
        Peer.Result offline = SluiceProcess.run(null, "queue", "delete", "--domain", "example.test", "--config", config.toString());
        assertThat(offline.exit()).as(offline.output()).isZero();
        assertThat(offline.output()).contains("directly").contains(a + ": deleted");
        assertThat(list(config)).isEmpty();
        String log = Files.readString(dir.resolve("data/log/delivery.jsonl"));
        assertThat(log).contains("\"event\":\"held\"").contains("\"event\":\"released\"").contains("\"event\":\"bounced\"")
                .contains("\"event\":\"deleted\"");
    }

    @Test
    void theAdminApiNeedsTheTokenAndAnswersInJson() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start().servfail("broken.test");
             SluiceHarness s = SluiceHarness.start("[\"127.0.0.0/8\"]", "[delivery]\ndns_servers = [\"" + dns.address() + "\"]\n")) {
            String id = s.sendMx("alice@example.test", "Subject: api\n\nx\n", "x@broken.test");
            String base = "http://" + s.config().admin().address();
            String token = Files.readString(s.config().admin().tokenFile()).strip();
            HttpClient http = HttpClient.newHttpClient();

            HttpResponse<String> anon = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/queue")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(anon.statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(anon.body()).path("error").asText()).contains("bearer token");

            long deadline = System.nanoTime() + 10_000_000_000L;
            JsonNode m;
            do {
                Thread.sleep(50);
                m = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/queue/" + id))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body());
            } while (m.path("attempts").asInt() == 0 && System.nanoTime() < deadline);
            assertThat(m.path("state").asText()).isEqualTo("scheduled");
            assertThat(m.path("last_error").asText()).contains("4.4.3");

            HttpResponse<String> hold = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/queue/" + id + "/hold"))
                    .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(hold.statusCode()).as(hold.body()).isEqualTo(200);
            assertThat(s.spool().find(id).orElseThrow().state().held()).isTrue();

            HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/queue/" + id + "/explode"))
                    .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(bad.statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(bad.body()).path("error").asText()).contains("unknown action");

            HttpResponse<String> gone = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/queue/" + id))
                    .header("Authorization", "Bearer " + token).DELETE().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(gone.statusCode()).isEqualTo(200);
            assertThat(s.spool().find(id)).isEmpty();
        }
    }
}
