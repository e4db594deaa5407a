package sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Console;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sluice.config.Config;
import sluice.config.HostPort;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * {@code sluice drain}: tells the running server (through its admin API) to stop accepting, deliver or hand over
 * what it holds and stop; shows progress until it has stopped. Exit 0 once the server drained and stopped (the
 * queue emptied or the timeout passed), 1 when no server could be reached.
 */
@Command(name = "drain", description = {
        "Take this node out of service without losing mail: the running server closes its SMTP listeners (sessions",
        "in flight finish), answers the send API with 503, makes every queued message not held due now, and stops",
        "when its queue is empty or the timeout passes. What is left stays on this node's spool (deferred), or with",
        "--handover is relayed over SMTP to another node, and removed here only on that node's 250. Held messages",
        "stay on the spool. Reaches the server through the admin API ([admin] address and token_file)."})
final class DrainCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration POLL = Duration.ofSeconds(2);

    @Mixin Options options;

    @Option(names = "--timeout", paramLabel = "DUR", defaultValue = "10m",
            description = "stop delivering after this long, e.g. 90s, 10m, 1h (default: ${DEFAULT-VALUE})")
    String timeout;

    @Option(names = "--handover", paramLabel = "HOST:PORT",
            description = "at the timeout, relay what is still queued to this node's SMTP port (a literal IP; that node"
                    + " must trust this one as a relay: its trusted_networks)")
    String handover;

    @Option(names = "--handover-now", description = "hand the queue over at once instead of at the timeout")
    boolean handoverNow;

    @Option(names = "--no-wait", description = "start the drain and return; follow it with GET /api/v1/drain")
    boolean noWait;

    @Override
    public Integer call() throws Exception {
        Config config = options.load();
        Map<String, Object> body = request();
        if (!Files.exists(config.admin().tokenFile())) {
            throw new Failures.UserError(1, "no server is running: nothing to drain ('sluice serve' has not run with"
                    + " the data dir " + config.dataDir() + ")");
        }
        AdminApi api = AdminApi.of(config, "no server is running (nothing answers at the admin address): nothing to drain");
        HttpResponse<String> r = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/drain"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))), 0);
        if (r.statusCode() != 200 && r.statusCode() != 202) {
            throw new Failures.UserError(1, "admin API: HTTP " + r.statusCode() + ": " + AdminApi.errorOf(r.body()));
        }
        JsonNode state = JSON.readTree(r.body());
        System.out.println(state.path("started").asBoolean() ? "drain started on " + api.base()
                : "a drain was already under way since " + state.path("since").asText() + "; following it");
        if (noWait) {
            System.out.println(progress(state));
            return 0;
        }
        return follow(api, config, state);
    }

    /** The POST body; the options are checked here so a typo is a usage error, not a half-started drain. */
    private Map<String, Object> request() {
        Map<String, Object> body = new LinkedHashMap<>();
        try {
            sluice.config.Units.duration(timeout);
        } catch (IllegalArgumentException e) {
            throw new Failures.UserError(2, "--timeout: " + e.getMessage());
        }
        body.put("timeout", timeout);
        if (handover != null) {
            try {
                HostPort.parse(handover, true);
            } catch (IllegalArgumentException e) {
                throw new Failures.UserError(2, "--handover: " + e.getMessage());
            }
            body.put("handover", handover);
        }
        if (handoverNow && handover == null) throw new Failures.UserError(2, "--handover-now needs --handover HOST:PORT");
        body.put("handover_now", handoverNow);
        return body;
    }

    /** Polls the drain's state until the server is gone; 0 once it drained and stopped. */
    private int follow(AdminApi api, Config config, JsonNode state) throws Exception {
        boolean terminal = terminal();
        String shown = "";
        JsonNode last = state;
        while (true) {
            String line = progress(last);
            if (terminal) {
                System.out.print("\r" + line + "\033[K");
                System.out.flush();
            } else if (!line.equals(shown)) {
                System.out.println(line);
            }
            shown = line;
            Thread.sleep(POLL.toMillis());
            JsonNode now = poll(api);
            if (now == null) break; // the server stopped: the drain's end, or a SIGTERM meanwhile
            last = now;
        }
        if (terminal) System.out.println();
        System.out.println(summary(last, config));
        return 0;
    }

    /** The drain's state, or null when nothing answers any more (the server has stopped). */
    private static JsonNode poll(AdminApi api) throws Exception {
        try {
            HttpResponse<String> r = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/drain")).GET(), 0);
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (Failures.UserError | java.io.IOException gone) {
            return null; // refused, reset, or the admin API closing under us
        }
    }

    static String progress(JsonNode s) {
        String left = s.path("queued").asLong() + " queued" + (s.path("held").asLong() == 0 ? ""
                : " (" + s.path("held").asLong() + " held, staying)");
        String in = s.path("transactions_in_flight").asInt() == 0 ? ""
                : ", " + s.path("transactions_in_flight").asInt() + " SMTP transaction(s) finishing";
        String over = s.path("handover").isTextual() ? ", " + s.path("handed_over").asLong() + " handed over" : "";
        String phase = switch (s.path("phase").asText()) {
            case "handing_over" -> "handing over to " + s.path("handover").asText();
            case "ended" -> "ended (" + s.path("end_reason").asText() + ")";
            default -> "draining";
        };
        String timeoutIn = "";
        if (s.path("timeout_at").isTextual() && !"ended".equals(s.path("phase").asText())) {
            long secs = Math.max(0, Duration.between(Instant.now(), Instant.parse(s.path("timeout_at").asText())).toSeconds());
            timeoutIn = ", timeout in " + (secs >= 60 ? secs / 60 + "m" + secs % 60 + "s" : secs + "s");
        }
        return phase + ": " + left + ", " + s.path("delivered").asLong() + " delivered" + over + in + timeoutIn;
    }

    /** What was left and where: counted on the spool itself once the server has let go of it. */
    private static String summary(JsonNode last, Config config) throws InterruptedException {
        Path dir = config.dataDir().resolve("spool");
        long left = -1;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (left < 0 && System.nanoTime() < deadline && Files.isDirectory(dir)) {
            try (Spool spool = Spool.open(dir, 0)) {
                left = spool.count();
            } catch (SpoolException e) {
                if (e.reason() != SpoolException.Reason.LOCKED) break;
                Thread.sleep(200); // the server process is still exiting
            }
        }

        String delivered = last.path("delivered").asLong() + " message(s) delivered"
                + (last.path("handover").isTextual() ? ", " + last.path("handed_over").asLong() + " handed over to "
                + last.path("handover").asText() : "");
        String where = left < 0 ? last.path("queued").asLong() + " message(s) queued at the last look, in " + dir
                : left == 0 ? "the spool in " + dir + " is empty" : left + " message(s) left on the spool in " + dir
                + " (deferred; a server started on this data dir delivers them)";
        String why = endReason(last, left);
        String what = why != null ? "drained and stopped (" + why + ")" : "the server stopped before the drain ended";
        return what + ": " + delivered + "; " + where;
    }

    /**
     * Why the drain ended, from the last state seen; null when it looks cut short (a SIGTERM meanwhile). The server
     * stops as soon as the drain ends, often between two polls, so the end is usually inferred: the timeout had
     * passed, the handover was under way, or nothing but held messages is left on the spool.
     *
     * @param left messages on the spool now, or -1 when it could not be counted
     */
    static String endReason(JsonNode last, long left) {
        if ("ended".equals(last.path("phase").asText())) return last.path("end_reason").asText();
        if ("handing_over".equals(last.path("phase").asText())) return "handover done";
        if (last.path("timeout_at").isTextual() && !Instant.now().isBefore(Instant.parse(last.path("timeout_at").asText()))) {
            return "timeout";
        }
        long pending = (left >= 0 ? left : last.path("queued").asLong()) - last.path("held").asLong();
        if (pending <= 0) return "queue empty";
        return null;
    }

    /** Whether stdout goes to a person (the progress line redraws in place) rather than a pipe or a file. */
    private static boolean terminal() {
        Console c = System.console();
        if (c == null) return false;
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }
}
