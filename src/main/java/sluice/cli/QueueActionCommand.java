package sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Option;
import sluice.config.Config;
import sluice.observe.DeliveryLog;
import sluice.queue.BulkActions;
import sluice.queue.DsnNotices;
import sluice.queue.Ingest;
import sluice.queue.QueueActions;
import sluice.queue.QueueOpResult;
import sluice.queue.QueueView;
import sluice.spool.QueuedMessage;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * {@code queue hold|release|retry|delete|bounce ID|--all|--domain D}. With a server running on the data dir the
 * action goes through its admin API (it owns the spool); otherwise it is applied to the spool directly.
 */
abstract class QueueActionCommand implements Callable<Integer> {
    private static final int BULK = 5_000;
    @Mixin Options options;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    static final class Which {
        @Parameters(paramLabel = "ID", arity = "1..*", description = "queue ids")
        List<String> ids;

        @Option(names = "--all", description = "every queued message")
        boolean all;

        @Option(names = "--domain", paramLabel = "D", description = "messages with recipients pending in domain D")
        String domain;
    }

    abstract String action();

    @Override
    public Integer call() throws Exception {
        Config config = options.load();
        Path dir = config.dataDir().resolve("spool");
        if (!Files.isDirectory(dir)) throw new Failures.UserError(1, "the queue is empty (no spool in " + dir + ")");
        Spool spool;
        try {
            spool = Spool.open(dir, 0);
        } catch (SpoolException e) {
            if (e.reason() != SpoolException.Reason.LOCKED) throw new Failures.UserError(1, e.openProblem(config.dataDir()));
            return viaApi(config);
        }
        System.err.println("(no server running: changing the spool in " + dir + " directly)");
        try (spool; DeliveryLog log = DeliveryLog.open(config.log().deliveryLog())) {
            Clock clock = Clock.systemUTC();
            Ingest ingest = new Ingest(spool, log, clock);
            sluice.observe.EventOutbox outbox = sluice.observe.Webhooks.outbox(spool, config.webhooks());
            ingest.outbox(outbox);
            QueueActions actions = new QueueActions(spool,
                    new DsnNotices(spool, ingest, config.hostname(), config.delivery().maxQueueLifetime(), clock), log, clock)
                    .outbox(outbox);
            List<String> ids = new ArrayList<>();
            if (which.ids != null) ids.addAll(which.ids);
            else spool.scan(m -> {
                if (selected(m)) ids.add(m.id());
            });
            int failures = 0;
            List<QueueOpResult> results = BulkActions.apply(actions, action(), ids);
            for (int i = 0; i < ids.size(); i++) failures += report(ids.get(i), results.get(i)) ? 0 : 1;
            return done(ids.size(), failures);
        }
    }

    private boolean selected(QueuedMessage m) {
        if (which.all) return true;
        String d = "@" + which.domain.toLowerCase(Locale.ROOT);
        return QueueView.pending(m).stream().anyMatch(r -> r.toLowerCase(Locale.ROOT).endsWith(d));
    }

    private static boolean report(String id, QueueOpResult r) {
        switch (r) {
            case QueueOpResult.Done d -> System.out.println(id + ": " + d.detail());
            case QueueOpResult.NotFound n -> System.err.println(id + ": no such message");
            case QueueOpResult.Busy b -> System.err.println(id + ": being delivered right now; try again in a moment");
            case QueueOpResult.Failed f -> System.err.println(id + ": " + f.reason());
        }
        return r instanceof QueueOpResult.Done;
    }

    private static int done(int count, int failures) {
        if (count == 0) System.out.println("no matching messages");
        return failures == 0 ? 0 : 1;
    }

    /** Through the running server's admin API. */
    private int viaApi(Config config) throws Exception {
        AdminApi api = AdminApi.of(config, "the server holds the spool but its admin API does not answer");
        String base = api.base();
        System.err.println("(a server is running on this data dir: using its admin API at " + base + ")");
        ObjectMapper json = new ObjectMapper();
        List<String> ids = new ArrayList<>();
        if (which.ids != null) {
            ids.addAll(which.ids);
        } else {
            String d = which.domain == null ? null : "@" + which.domain.toLowerCase(Locale.ROOT);
            // the API answers a page at a time; X-Next-After is the cursor of the next one, absent on the last
            String after = null;
            do {
                String page = base + "/api/v1/queue?limit=1000"
                        + (after == null ? "" : "&after=" + java.net.URLEncoder.encode(after, StandardCharsets.UTF_8));
                HttpResponse<String> r = api.send(HttpRequest.newBuilder(URI.create(page)).GET(), 200);
                for (JsonNode m : json.readTree(r.body())) {
                    boolean match = d == null;
                    for (JsonNode rc : m.path("recipients")) match |= rc.asText().toLowerCase(Locale.ROOT).endsWith(d == null ? "" : d);
                    if (match) ids.add(m.path("id").asText());
                }
                after = r.headers().firstValue("X-Next-After").orElse(null);
            } while (after != null);
        }
        int failures = 0;
        // POST /api/v1/queue-actions, BULK ids at a time (the server runs them in parallel), one id or many.
        for (int from = 0; from < ids.size(); from += BULK) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + BULK));
            byte[] request = json.writeValueAsBytes(java.util.Map.of("action", action(), "ids", chunk));
            HttpResponse<String> r = api.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/queue-actions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(request)), 200);
            for (JsonNode one : json.readTree(r.body()).path("results")) {
                if (one.has("result")) {
                    System.out.println(one.path("id").asText() + ": " + one.path("result").asText());
                } else {
                    System.err.println(one.path("id").asText() + ": " + one.path("error").asText());
                    failures++;
                }
            }
        }
        return done(ids.size(), failures);
    }

    @picocli.CommandLine.Command(name = "hold", description = "Keep messages out of delivery until released.")
    static final class Hold extends QueueActionCommand {
        String action() {
            return "hold";
        }
    }

    @picocli.CommandLine.Command(name = "release", description = "Release held messages (due at once).")
    static final class Release extends QueueActionCommand {
        String action() {
            return "release";
        }
    }

    @picocli.CommandLine.Command(name = "retry", description = "Make deferred messages due now.")
    static final class Retry extends QueueActionCommand {
        String action() {
            return "retry";
        }
    }

    @picocli.CommandLine.Command(name = "delete", description = "Remove messages without a bounce.")
    static final class Delete extends QueueActionCommand {
        String action() {
            return "delete";
        }
    }

    @picocli.CommandLine.Command(name = "bounce", description = "Fail the pending recipients now and send the sender a DSN.")
    static final class Bounce extends QueueActionCommand {
        String action() {
            return "bounce";
        }
    }
}
