package sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import sluice.config.Config;
import sluice.observe.FailureText;
import sluice.policy.SuppressionList;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * Where `sluice suppression` finds the list: the running server's admin API when a server holds the data dir's
 * spool (the database belongs to that process), else the spool directly. Says which on stderr.
 */
sealed interface SuppressionTarget extends AutoCloseable permits SuppressionTarget.Direct, SuppressionTarget.Remote {
    boolean add(String domain, String address, String reason) throws IOException, InterruptedException;

    boolean remove(String domain, String address) throws IOException, InterruptedException;

    SuppressionList.Page page(String after, int limit) throws IOException, InterruptedException;

    SuppressionList.Counts putAll(List<SuppressionList.Entry> entries) throws IOException, InterruptedException;

    @Override
    void close();

    static SuppressionTarget open(Config config) throws IOException {
        Path dir = config.dataDir().resolve("spool");
        Files.createDirectories(config.dataDir());
        Spool spool;
        try {
            spool = Spool.open(dir, 0);
        } catch (SpoolException e) {
            if (e.reason() != SpoolException.Reason.LOCKED) throw new Failures.UserError(1, e.openProblem(config.dataDir()));
            AdminApi api = AdminApi.of(config, "the server holds the spool but its admin API does not answer");
            System.err.println("(a server is running on this data dir: using its admin API at " + api.base() + ")");
            return new Remote(api);
        }
        try {
            SuppressionList list = SuppressionList.open(spool, config.dataDir(), Clock.systemUTC());
            System.err.println("(no server running: changing the suppression list in " + dir + " directly)");
            return new Direct(spool, list);
        } catch (IOException e) {
            spool.close();
            throw new Failures.UserError(1, FailureText.of(e));
        }
    }

    record Direct(Spool spool, SuppressionList list) implements SuppressionTarget {
        public boolean add(String domain, String address, String reason) throws IOException {
            return list.add(domain, address, reason);
        }

        public boolean remove(String domain, String address) throws IOException {
            return list.remove(domain, address);
        }

        public SuppressionList.Page page(String after, int limit) throws IOException {
            return list.page(after, limit);
        }

        public SuppressionList.Counts putAll(List<SuppressionList.Entry> entries) throws IOException {
            return list.putAll(entries);
        }

        public void close() {
            list.close();
            spool.close();
        }
    }

    record Remote(AdminApi api) implements SuppressionTarget {
        private static final ObjectMapper JSON = new ObjectMapper();

        public boolean add(String domain, String address, String reason) throws IOException, InterruptedException {
            ObjectNode body = JSON.createObjectNode().put("address", address).put("domain", domain).put("reason", reason);
            HttpResponse<String> r = api.send(post("/api/v1/suppression", body), 0);
            if (r.statusCode() == 201) return true;
            if (r.statusCode() == 200) return false;
            throw refused(r);
        }

        public boolean remove(String domain, String address) throws IOException, InterruptedException {
            HttpResponse<String> r = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/suppression/"
                    + URLEncoder.encode(address, StandardCharsets.UTF_8).replace("+", "%20") + "?domain="
                    + URLEncoder.encode(domain, StandardCharsets.UTF_8))).DELETE(), 0);
            if (r.statusCode() == 200) return true;
            if (r.statusCode() == 404) return false;
            throw refused(r);
        }

        public SuppressionList.Page page(String after, int limit) throws IOException, InterruptedException {
            HttpResponse<String> r = api.get("/api/v1/suppression?limit=" + limit
                    + (after == null ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8)));
            List<SuppressionList.Entry> out = new ArrayList<>();
            for (JsonNode e : JSON.readTree(r.body())) {
                out.add(new SuppressionList.Entry(e.path("domain").asText(), e.path("address").asText(),
                        e.path("reason").asText(), Instant.parse(e.path("added").asText())));
            }
            return new SuppressionList.Page(out, r.headers().firstValue("X-Next-After").orElse(null));
        }

        public SuppressionList.Counts putAll(List<SuppressionList.Entry> entries) throws IOException, InterruptedException {
            ObjectNode body = JSON.createObjectNode();
            ArrayNode array = body.putArray("entries");
            for (SuppressionList.Entry e : entries) {
                array.addObject().put("address", e.address()).put("domain", e.domain()).put("reason", e.reason())
                        .put("added", e.added().toString());
            }
            HttpResponse<String> r = api.send(post("/api/v1/suppression/import", body), 0);
            if (r.statusCode() != 200) throw refused(r);
            JsonNode counts = JSON.readTree(r.body());
            return new SuppressionList.Counts(counts.path("added").asInt(), counts.path("updated").asInt());
        }

        public void close() {}

        private HttpRequest.Builder post(String path, JsonNode body) throws IOException {
            return HttpRequest.newBuilder(URI.create(api.base() + path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        }

        /** A 400 is the operator's input (exit 2), anything else the server's trouble (exit 1). */
        private static Failures.UserError refused(HttpResponse<String> r) {
            String why = AdminApi.errorOf(r.body());
            return r.statusCode() == 400 ? new Failures.UserError(2, why)
                    : new Failures.UserError(1, "admin API: HTTP " + r.statusCode() + ": " + why);
        }
    }
}
