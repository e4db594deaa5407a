package sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sluice cluster}: this node's standing in its cluster and every node Redis has seen, from the running server. */
@Command(name = "cluster", description = {
        "This node's standing in its cluster (shared or degraded: since when and why, its share of every shared",
        "limit while degraded) and every node seen (alive, last seen, queue, state). Asks the running server's",
        "admin API ([admin] address and token_file of the config); a single node says so in one line."})
final class ClusterCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin Options options;

    @Option(names = "--json", description = "print the API's answer (GET /api/v1/cluster) as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        AdminApi api = AdminApi.of(options.load(),
                "no server answers at the admin address: is 'sluice serve' running with this config?");
        JsonNode answer = JSON.readTree(api.get("/api/v1/cluster").body());
        if (json) {
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
        } else {
            print(answer, System.out);
        }
        return 0;
    }

    static void print(JsonNode c, PrintStream out) {
        if ("single".equals(c.path("mode").asText())) {
            out.println("single node " + c.path("node").asText() + " ([cluster] redis is not set): nothing is shared");
            return;
        }
        String share = BigDecimal.valueOf(c.path("degraded_share").asDouble() * 100).setScale(1, RoundingMode.HALF_UP)
                .stripTrailingZeros().toPlainString() + "%";
        out.println("node " + c.path("node").asText() + " on " + c.path("redis").asText() + ": " + c.path("state").asText()
                + " (" + c.path("alive").asInt() + " of " + c.path("nodes").size() + " nodes alive; share while degraded "
                + share + "; " + c.path("redis_calls").asLong() + " Redis calls)");
        if ("degraded".equals(c.path("state").asText())) {
            out.println("Redis unreachable since " + c.path("degraded_since").asText() + ": " + c.path("last_error").asText()
                    + "; this node keeps to " + share + " of every shared limit");
        }
        out.println();
        String row = "%-20s %-6s %-26s %8s  %-10s %s%n";
        out.printf(row, "NODE", "ALIVE", "LAST SEEN", "QUEUE", "STATE", "STARTED");
        for (JsonNode n : c.path("nodes")) {
            out.printf(row, n.path("name").asText() + (n.path("self").asBoolean() ? " *" : ""),
                    n.path("alive").asBoolean() ? "yes" : "no", n.path("last_seen").asText(), n.path("queue").asText(),
                    n.path("state").asText("-"), n.path("started").asText());
        }
        out.println("(* this node; a node silent for 5 s is not alive, one silent for a day is forgotten)");
    }
}
