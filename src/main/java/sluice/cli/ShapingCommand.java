package sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sluice shaping}: what each egress source may send to each destination group now, from the running server. */
@Command(name = "shaping", description = {
        "What each egress source may send to each destination group now (rate, connections, backoff, suspension),",
        "and each warming source's day and today's count and cap. Asks the running server's admin API",
        "([admin] address and token_file of the config)."})
final class ShapingCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin Options options;

    @Option(names = "--json", description = "print the API's answer (GET /api/v1/shaping) as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        AdminApi api = AdminApi.of(options.load(),
                "no server answers at the admin address: is 'sluice serve' running with this config?");
        String body = api.get("/api/v1/shaping").body();
        JsonNode answer = JSON.readTree(body);
        if (json) {
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
        } else {
            print(answer, System.out);
        }
        return 0;
    }

    static void print(JsonNode answer, PrintStream out) {
        if ("paused".equals(answer.path("delivery").asText())) {
            out.println("delivery is paused ([delivery] paused = true): nothing is shaped");
            return;
        }
        JsonNode lanes = answer.path("lanes");
        if (lanes.isEmpty()) {
            out.println("no shaping lanes yet (a lane appears with the first message to its destination group)");
        } else {
            String row = "%-12s %-24s %-19s %-18s %-8s %s%n";
            out.printf(row, "SOURCE", "GROUP", "RATE NOW/CONF", "CONN NOW/CONF/USE", "WAITING", "STATE");
            for (JsonNode l : lanes) {
                String group = l.path("group").asText() + (l.has("domain") ? " " + l.path("domain").asText() : "");
                out.printf(row, l.path("source").asText(), group,
                        rate(l.path("rate_per_second")) + " / " + rate(l.path("configured_rate_per_second")),
                        count(l.path("connections")) + "/" + count(l.path("configured_connections")) + "/"
                                + l.path("active").asInt(),
                        Integer.toString(l.path("waiting_for_rate").asInt() + l.path("waiting_for_connection").asInt()),
                        state(l));
            }
        }
        if (!lanes.isEmpty()) out.println("(unlimited, -: no limit of its own; WAITING: jobs waiting for a rate slot or a connection)");
        int omitted = answer.path("omitted").asInt();
        if (omitted > 0) {
            out.println("(" + omitted + " quieter single-domain lanes not listed: the API lists every named group and"
                    + " the 500 busiest domains)");
        }
        JsonNode warmup = answer.path("warmup");
        out.println();
        if (warmup.isEmpty()) {
            out.println("no source is warming up");
            return;
        }
        String row = "%-12s %-24s %-9s %-20s %s%n";
        out.printf(row, "SOURCE", "GROUP", "DAY", "SENT/CAP TODAY", "ENDS ON");
        for (JsonNode w : warmup) {
            out.printf(row, w.path("source").asText(), w.path("group").asText(),
                    w.path("day").asInt() + "/" + w.path("days").asInt(),
                    w.path("sent_today").asLong() + "/" + w.path("cap_today").asLong(),
                    w.hasNonNull("ends_on") ? w.path("ends_on").asText() : "-");
        }
    }

    private static String state(JsonNode l) {
        if (l.has("suspended_until")) {
            return "suspended until " + l.path("suspended_until").asText()
                    + (l.hasNonNull("suspended_because") ? ": " + l.path("suspended_because").asText() : "");
        }
        return l.path("backing_off").asBoolean() ? "backing off" : "ok";
    }

    /** A rate as "100/s" or, below one a second, "6.0/min"; null is no limit. */
    static String rate(JsonNode perSecond) {
        if (perSecond.isNull() || perSecond.isMissingNode()) return "unlimited";
        double r = perSecond.asDouble();
        if (r >= 1) return trim(r) + "/s";
        return trim(r * 60) + "/min";
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String count(JsonNode n) {
        return n.isNull() || n.isMissingNode() ? "-" : n.asText();
    }
}
