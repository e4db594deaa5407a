package sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sluice.observe.DeliveryLogReader;
import sluice.observe.MessageHistory;

/** {@code sluice trace ID}: the history of one message from the delivery log (no server needed). */
@Command(name = "trace", description = "The history of one message (queue id or Message-ID) from the delivery log.")
final class TraceCommand implements Callable<Integer> {
    @Mixin Options options;

    @Parameters(paramLabel = "ID", description = "a queue id, or a Message-ID with or without <>")
    String id;

    @Option(names = "--json", description = "print the events as a JSON array")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path log = options.load().log().deliveryLog();
        MessageHistory history = new MessageHistory(id);
        DeliveryLogReader.read(log, null, history::accept);
        if (history.isEmpty()) throw new Failures.UserError(1, "no such message in the delivery log: " + id);
        Map<String, List<JsonNode>> all = history.histories();
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ArrayNode out = mapper.createArrayNode();
            all.values().forEach(out::addAll);
            System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(out));
            return 0;
        }
        boolean first = true;
        for (var entry : all.entrySet()) {
            if (!first) System.out.println();
            first = false;
            print(entry.getKey(), entry.getValue());
        }
        return 0;
    }

    private static void print(String queueId, List<JsonNode> events) {
        String messageId = events.stream().map(e -> e.path("message_id").asText(null))
                .filter(s -> s != null).findFirst().orElse("(no Message-ID)");
        System.out.println("message " + queueId + " " + messageId);
        Map<String, String> outcome = new LinkedHashMap<>();
        boolean deleted = false;
        for (JsonNode e : events) {
            String event = e.path("event").asText();
            if (e.has("dsn_for")) {
                line(e, "dsn", "queued as " + e.path("queue_id").asText() + " " + e.path("message_id").asText()
                        + " to " + String.join(", ", MessageHistory.recipients(e)));
                continue;
            }
            switch (event) {
                case "received" -> {
                    line(e, event, received(e));
                    for (String r : MessageHistory.recipients(e)) outcome.putIfAbsent(r, "pending (no attempt yet)");
                }
                case "delivered", "deferred", "bounced", "expired" -> {
                    line(e, event, attempt(e));
                    String r = e.path("recipient").asText();
                    outcome.put(r, event.equals("deferred") ? "pending (deferred: " + reply(e) + ")"
                            : event + (event.equals("delivered") ? "" : " (" + reply(e) + ")"));
                }
                case "held", "released", "deleted" -> {
                    line(e, event, "by the operator" + opt(" — ", e, "text"));
                    deleted |= event.equals("deleted");
                }
                default -> line(e, event, e.toString());
            }
        }
        System.out.println("outcome:");
        int width = outcome.keySet().stream().mapToInt(String::length).max().orElse(0);
        for (var o : outcome.entrySet()) {
            String state = o.getValue();
            if (deleted && state.startsWith("pending")) state = "deleted by the operator";
            else if (state.startsWith("pending")) state = "still " + state;
            System.out.printf("  %-" + width + "s  %s%n", o.getKey(), state);
        }
    }

    private static void line(JsonNode e, String event, String text) {
        java.time.Instant ts = sluice.observe.DeliveryLogReader.ts(e);
        String when = ts == null ? e.path("ts").asText("?") : ts.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString();
        System.out.printf("  %-24s %-9s %s%n", when, event, text);
    }

    private static String received(JsonNode e) {
        StringBuilder b = new StringBuilder();
        String sender = e.path("sender").asText("");
        b.append("from <").append(sender).append("> to ").append(String.join(", ", MessageHistory.recipients(e)));
        b.append(", ").append(e.path("size").asLong()).append(" bytes");
        if (e.has("client_ip")) b.append("; client ").append(e.get("client_ip").asText());
        if (e.path("listener").asInt() > 0) b.append(" on port ").append(e.get("listener").asInt());
        b.append(e.has("tls") ? ", " + e.get("tls").asText() : ", no TLS");
        if (e.has("auth_user")) b.append(", auth ").append(e.get("auth_user").asText());
        return b.toString();
    }

    private static String attempt(JsonNode e) {
        StringBuilder b = new StringBuilder(e.path("recipient").asText());
        if (e.has("route")) b.append(" via ").append(e.get("route").asText());
        if (e.has("remote_host") || e.has("remote_ip")) {
            b.append(" ").append(e.path("remote_host").asText(""));
            if (e.has("remote_ip")) {
                b.append(" [").append(e.get("remote_ip").asText()).append("]");
                if (e.has("remote_port")) b.append(":").append(e.get("remote_port").asInt());
            }
        }
        if (e.has("tls")) b.append(" ").append(e.get("tls").asText());
        b.append(": ").append(reply(e));
        b.append(" (attempt ").append(e.path("attempt").asInt()).append(", ").append(e.path("duration_ms").asLong())
                .append(" ms)");
        return b.toString().replace("  ", " ");
    }

    private static String reply(JsonNode e) {
        StringBuilder b = new StringBuilder();
        if (e.path("code").asInt() > 0) b.append(e.get("code").asInt()).append(' ');
        if (e.has("enhanced_code")) b.append(e.get("enhanced_code").asText()).append(' ');
        b.append(e.path("text").asText(""));
        return b.toString().strip();
    }

    private static String opt(String prefix, JsonNode e, String field) {
        return e.hasNonNull(field) ? prefix + e.get(field).asText() : "";
    }
}
