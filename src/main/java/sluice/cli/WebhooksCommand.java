package sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice webhooks}: each endpoint's backlog and last answers; {@code replay} and {@code enable}. */
@Command(name = "webhooks", description = {
        "Each [[webhooks]] endpoint: events waiting, the oldest waiting, last success, last failure and why,",
        "disabled (after a 410) or circuit breaker open. Asks the running server's admin API (GET /api/v1/webhooks)."},
        subcommands = {WebhooksCommand.Replay.class, WebhooksCommand.Enable.class})
final class WebhooksCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String NOT_ANSWERING = "no server answers at the admin address: is 'sluice serve' running with this config?";

    @Mixin Options options;

    @Option(names = "--json", description = "print the API's answer (GET /api/v1/webhooks) as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        AdminApi api = AdminApi.of(options.load(), NOT_ANSWERING);
        JsonNode answer = JSON.readTree(api.get("/api/v1/webhooks").body());
        if (json) System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
        else print(answer, System.out);
        return 0;
    }

    static void print(JsonNode answer, PrintStream out) {
        JsonNode endpoints = answer.path("endpoints");
        if (endpoints.isEmpty()) {
            out.println("no webhook endpoint is configured ([[webhooks]] in the config)");
            return;
        }
        String row = "%-16s %-12s %8s %-22s %-22s %s%n";
        out.printf(row, "ENDPOINT", "STATE", "WAITING", "OLDEST WAITING", "LAST SUCCESS", "LAST FAILURE");
        for (JsonNode e : endpoints) {
            String failure = e.hasNonNull("last_failure")
                    ? e.path("last_failure").asText() + " " + e.path("last_error").asText("") : "-";
            out.printf(row, e.path("name").asText(), e.path("state").asText(), e.path("waiting").asLong(),
                    e.hasNonNull("oldest_waiting") ? e.path("oldest_waiting").asText() : "-",
                    e.hasNonNull("last_success") ? e.path("last_success").asText() : "-", failure);
        }
        for (JsonNode e : endpoints) {
            if (e.path("disabled").asBoolean()) {
                out.println(e.path("name").asText() + " answered 410 Gone and is disabled: 'sluice webhooks enable "
                        + e.path("name").asText() + "' sends to it again");
            }
            if (e.path("dropped").asLong() > 0) {
                out.println(e.path("name").asText() + ": " + e.path("dropped").asLong()
                        + " event(s) dropped after give_up_after since start (see the server log)");
            }
        }
    }

    @Command(name = "replay", description = {
            "Sends again the events of the delivery log since TIME (to the endpoints subscribed to each event,",
            "with the webhook-id each had the first time). POST /api/v1/webhooks/replay."})
    static final class Replay implements Callable<Integer> {
        @Mixin Options options;

        @Option(names = "--since", required = true, paramLabel = "TIME",
                description = "RFC 3339 time (2026-01-02T03:04:05Z) or a span back from now (2h, 30m, 7d)")
        String since;

        @Option(names = "--endpoint", paramLabel = "NAME", description = "only this endpoint (default: every one)")
        String endpoint;

        @Override
        public Integer call() throws Exception {
            AdminApi api = AdminApi.of(options.load(), NOT_ANSWERING);
            ObjectNode body = JSON.createObjectNode().put("since", since);
            if (endpoint != null) body.put("endpoint", endpoint);
            JsonNode answer = JSON.readTree(api.send(HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/webhooks/replay"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))), 200).body());
            System.out.println(answer.path("queued").asLong() + " event(s) since " + answer.path("since").asText()
                    + " queued again for " + (endpoint == null ? "every endpoint" : endpoint));
            return 0;
        }
    }

    @Command(name = "enable", description = "Sends to an endpoint again after it answered 410 Gone.")
    static final class Enable implements Callable<Integer> {
        @Mixin Options options;

        @Parameters(paramLabel = "NAME", description = "the endpoint's name")
        String name;

        @Override
        public Integer call() throws Exception {
            AdminApi api = AdminApi.of(options.load(), NOT_ANSWERING);
            api.send(HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/webhooks/"
                    + URLEncoder.encode(name, StandardCharsets.UTF_8) + "/enable")).POST(HttpRequest.BodyPublishers.noBody()), 200);
            System.out.println(name + ": enabled");
            return 0;
        }
    }
}
