package sluice.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import sluice.config.AdminConfig;
import sluice.config.HostPort;
import sluice.observe.Alerts;
import sluice.observe.Stats;
import sluice.policy.SuppressionList;
import sluice.send.Injector;
import sluice.send.Invalid;
import sluice.send.StrictJson;
import sluice.queue.QueueControl;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * The admin HTTP API on {@code [admin] address}: queue inspection and actions under {@code /api/v1}, with a bearer
 * token read from {@code token_file} (generated with mode 0600 when absent). Errors are JSON objects with an
 * {@code error} message. It holds no business logic: it calls the scheduler and reads the spool.
 */
public final class AdminServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AdminServer.class);
    private static final String MESSAGES = "/api/v1/messages";

    private final Javalin app;
    private final SendEndpoint sender;

    private AdminServer(Javalin app, SendEndpoint sender) {
        this.app = app;
        this.sender = sender;
    }

    /** Raised when the admin address cannot be bound. */
    public static final class StartException extends Exception {
        StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What the queue looks like now: messages by state, and by destination. */
    public interface QueueCounts {
        Map<String, Long> byState();

        Map<String, Long> byDestination();
    }

    /**
     * What the API serves.
     *
     * @param control the scheduler, or (delivery paused) actions on the spool directly
     * @param metrics the Prometheus text exposition, or null when there are no metrics
     * @param injector the send API ({@code POST /api/v1/messages}), or null for none
     * @param listings the blocklist checks of the egress addresses, or null when delivery is paused
     * @param shaping  what each egress source may send now ({@code GET /api/v1/shaping}), or null (delivery paused)
     * @param webhooks the webhook endpoints ({@code GET /api/v1/webhooks}), or null when none is configured
     * @param cluster  this node's standing in its cluster ({@code GET /api/v1/cluster}), or null (a single node)
     * @param drain    the node's drain ({@code /api/v1/drain}), or null for none
     * @param sharedIdempotency the fleet's Idempotency-Key records (cluster mode), or null
     */
    public record Parts(Spool spool, QueueControl control, QueueCounts counts, Stats stats, Alerts alerts,
                        java.util.function.Supplier<String> metrics, SuppressionList suppressions, Injector injector,
                        sluice.shaping.SourceListings listings, ShapingPage.Source shaping, WebhooksPage.Source webhooks,
                        java.util.function.Supplier<sluice.cluster.ClusterView> cluster, DrainPage.Source drain,
                        sluice.send.Idempotency.Shared sharedIdempotency) {
        /** Parts of a single node without a drain. */
        public Parts(Spool spool, QueueControl control, QueueCounts counts, Stats stats, Alerts alerts,
                     java.util.function.Supplier<String> metrics, SuppressionList suppressions, Injector injector,
                     sluice.shaping.SourceListings listings, ShapingPage.Source shaping, WebhooksPage.Source webhooks) {
            this(spool, control, counts, stats, alerts, metrics, suppressions, injector, listings, shaping, webhooks, null, null, null);
        }

        /** Parts without webhooks. */
        public Parts(Spool spool, QueueControl control, QueueCounts counts, Stats stats, Alerts alerts,
                     java.util.function.Supplier<String> metrics, SuppressionList suppressions, Injector injector,
                     sluice.shaping.SourceListings listings, ShapingPage.Source shaping) {
            this(spool, control, counts, stats, alerts, metrics, suppressions, injector, listings, shaping, null, null, null, null);
        }
    }

    /** Starts serving. */
    public static AdminServer start(AdminConfig config, Parts parts, Clock clock) throws StartException, IOException {
        long largest = parts.injector() == null ? 0 : parts.injector().maxRequestBytes();
        long budget = config.sendBytesInFlight() > 0 ? config.sendBytesInFlight()
                : BodyBudget.forHeap(Runtime.getRuntime().maxMemory(), largest).bytes();
        return start(config, parts, clock, budget);
    }

    /**
     * Starts serving.
     *
     * @param bodyBudget bytes of send-API bodies held at once (raised to one largest request when smaller)
     */
    public static AdminServer start(AdminConfig config, Parts parts, Clock clock, long bodyBudget)
            throws StartException, IOException {
        Spool spool = parts.spool();
        byte[] token = tokenBytes(config.tokenFile());
        HostPort where = HostPort.parse(config.address(), true);
        HostGuard hosts = new HostGuard(where);
        SendEndpoint sender = parts.injector() == null ? null : new SendEndpoint(parts.injector(), token,
                new BodyBudget(Math.max(bodyBudget, parts.injector().maxRequestBytes())), idempotency(spool, clock, parts.sharedIdempotency()));
        Javalin app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            c.concurrency.useVirtualThreads = true;
            c.jetty.host = where.host();
            c.jetty.port = where.port();
            c.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorPages()));
            c.jetty.modifyServletContextHandler(context -> context.setErrorHandler(new JsonErrorPages()));
            // admin bodies stay within Javalin's 1 MB default; the send API reads its own, bounded (SendEndpoint)
            guards(c.routes, hosts, token, parts.injector() != null);
            register(c.routes, parts, sender, clock);
            errors(c.routes);
        });
        try {
            app.start();
        } catch (RuntimeException e) {
            app.stop();
            if (sender != null) sender.close();
            Throwable cause = e;
            while (cause.getCause() != null && !(cause instanceof BindException)) cause = cause.getCause();
            throw new StartException("admin: cannot listen on " + config.address() + ": "
                    + (cause instanceof BindException ? "address already in use" : e.getMessage()), e);
        }
        return new AdminServer(app, sender);
    }

    /** Before every request: the Host check; before the API: the admin token (the send API takes users' keys). */
    private static void guards(RoutesConfig routes, HostGuard hosts, byte[] token, boolean sendApi) {
        routes.before(ctx -> {
            String refusal = hosts.refusal(ctx.header("Host"));
            if (refusal != null) throw new ApiError(421, refusal);
        });
        routes.before("/api/*", ctx -> {
            if (ctx.path().equals("/api/v1/openapi.json")) return; // the description is public
            if (ctx.path().equals(MESSAGES) && sendApi) return; // users' API keys, not the admin token
            if (!authorized(ctx, token)) {
                ctx.header("WWW-Authenticate", "Bearer");
                String presented = bearer(ctx);
                if (presented != null && presented.startsWith("sk_")) {
                    throw new ApiError(401, "this is a user's API key, which works only on POST " + MESSAGES
                            + "; the admin endpoints take the admin token (see [admin] token_file)");
                }
                throw new ApiError(401, "missing or wrong bearer token (see [admin] token_file)");
            }
        });
    }

    /**
     * Every route the admin listener serves. They stay in this file: OpenApiRoutesTest reads them from its source
     * and matches them against openapi.json.
     */
    private static void register(RoutesConfig routes, Parts parts, SendEndpoint sender, Clock clock) {
        Spool spool = parts.spool();
        QueueControl control = parts.control();
        routes.get("/api/v1/queue", ctx -> QueuePage.serve(ctx, spool, clock));
        routes.get("/api/v1/stats", ctx -> json(ctx, 200, StatsPage.answer(parts, clock)));
        routes.get("/api/v1/events", ctx -> {
            int limit = QueuePage.intParam(ctx, "limit", 100, 1, 2000);
            json(ctx, 200, parts.stats().recent(ctx.queryParam("q"), limit));
        });
        routes.get("/api/v1/suppression", ctx -> SuppressionPage.serve(ctx, parts.suppressions()));
        routes.post("/api/v1/suppression/import", ctx -> SuppressionPage.importEntries(ctx, parts.suppressions(),
                readJson(ctx, SuppressionPage.IMPORT_SHAPE)));
        routes.post("/api/v1/suppression", ctx -> SuppressionPage.add(ctx, parts.suppressions(),
                readJson(ctx, SuppressionPage.ADD_SHAPE)));
        routes.delete("/api/v1/suppression/{address}", ctx -> SuppressionPage.remove(ctx, parts.suppressions()));
        // Blocklist checks of the egress addresses (issue 10).
        routes.get("/api/v1/shaping/blocklists", ctx -> BlocklistPage.last(ctx, parts.listings()));
        routes.post("/api/v1/shaping/blocklists/check", ctx -> BlocklistPage.check(ctx, parts.listings()));
        // Shaping state (sluice shaping, the dashboard's Shaping panel)
        routes.get("/api/v1/shaping", ctx -> json(ctx, 200, ShapingPage.answer(parts.shaping(), clock.instant())));
        // Cluster membership (sluice cluster, the dashboard's Cluster panel)
        routes.get("/api/v1/cluster", ctx -> json(ctx, 200, ClusterPage.answer(parts.cluster() != null ? parts.cluster()
                : () -> sluice.cluster.Cluster.single(""), clock.instant())));
        // Webhook endpoints (sluice webhooks)
        routes.get("/api/v1/webhooks", ctx -> json(ctx, 200, WebhooksPage.answer(parts.webhooks(), clock.instant())));
        routes.post("/api/v1/webhooks/replay", ctx -> WebhooksPage.replay(ctx, parts.webhooks(), clock.instant()));
        routes.post("/api/v1/webhooks/{name}/enable", ctx -> WebhooksPage.enable(ctx, parts.webhooks()));
        if (sender != null) routes.post(MESSAGES, DrainPage.refusingWhileDraining(parts.drain(), sender::handle));
        // Drain (sluice drain): stop accepting, deliver or hand over the queue, stop
        routes.get("/api/v1/drain", ctx -> DrainPage.get(ctx, parts.drain()));
        routes.post("/api/v1/drain", ctx -> DrainPage.post(ctx, parts.drain()));
        routes.get("/api/v1/openapi.json", ctx -> resource(ctx, "/admin/openapi.json", "application/json"));
        if (parts.metrics() != null) {
            routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(parts.metrics().get()));
        }
        routes.get("/", ctx -> resource(ctx, "/admin/dashboard.html", "text/html; charset=utf-8"));
        routes.get("/dashboard.js", ctx -> resource(ctx, "/admin/dashboard.js", "text/javascript; charset=utf-8"));
        routes.get("/dashboard.css", ctx -> resource(ctx, "/admin/dashboard.css", "text/css; charset=utf-8"));
        routes.get("/api/v1/queue/{id}", ctx -> QueuePage.detail(ctx, spool, clock));
        routes.delete("/api/v1/queue/{id}", ctx -> QueueActionPage.act(ctx, control, "delete"));
        routes.post("/api/v1/queue/{id}/{action}", ctx -> QueueActionPage.act(ctx, control, ctx.pathParam("action")));
        routes.post("/api/v1/queue-actions", ctx -> QueueActionPage.bulk(ctx, control));
    }

    /** Errors as JSON: the client's with their status, a defect as a logged 500 without internals. */
    private static void errors(RoutesConfig routes) {
        routes.exception(ApiError.class, (e, ctx) -> {
            if (e.status == 413) RefusedBody.discard(ctx.req());
            json(ctx, e.status, Map.of("error", e.getMessage()));
        });
        routes.exception(io.javalin.http.HttpResponseException.class, (e, ctx) -> {
            if (e.getStatus() == 413) RefusedBody.discard(ctx.req());
            json(ctx, e.getStatus(), Map.of("error", e.getStatus() == 413
                    ? "the request body is larger than 1 MB, the limit of admin requests" : e.getMessage()));
        });
        routes.exception(SpoolException.class, (e, ctx) -> json(ctx, 503, Map.of("error", "spool: " + e.getMessage())));
        routes.exception(Exception.class, (e, ctx) -> {
            // a defect, not the client's fault: logged in full, answered without internals
            log.error("admin: {} {} failed", ctx.method(), ctx.path(), e);
            json(ctx, 500, Map.of("error", "internal error while handling " + ctx.method() + " " + ctx.path() + " (see the server log)"));
        });
        routes.error(404, ctx -> {
            if (ctx.result() == null) json(ctx, 404, Map.of("error", "no such endpoint: " + ctx.method() + " " + ctx.path()));
        });
        routes.error(405, ctx -> json(ctx, 405, Map.of("error", "method not allowed: " + ctx.method() + " " + ctx.path())));
    }

    public int port() {
        return app.port();
    }

    private static void resource(Context ctx, String name, String type) throws IOException {
        try (var in = AdminServer.class.getResourceAsStream(name)) {
            if (in == null) throw new ApiError(404, "missing resource " + name);
            ctx.contentType(type).header("Cache-Control", "no-cache").result(in.readAllBytes());
        }
    }

    /** Admin request bodies: small (Javalin's 1 MB limit) and read with the same limits as the send API's JSON. */
    private static final StrictJson ADMIN_JSON = new StrictJson(1_000_000);

    /** @param shape what the body should look like, for the error */
    static JsonNode readJson(Context ctx, String shape) {
        try {
            return ADMIN_JSON.read(ctx.bodyAsBytes());
        } catch (Invalid e) {
            throw new ApiError(e.status(), e.getMessage() + "; expected " + shape);
        }
    }

    /** A string member, {@code absent} when missing or null; any other type is a 400 naming the member. */
    static String textMember(JsonNode body, String name, String absent) {
        JsonNode v = body.path(name);
        if (v.isMissingNode() || v.isNull()) return absent;
        if (!v.isTextual()) throw new ApiError(400, "\"" + name + "\" must be a string");
        return v.asText();
    }

    private static sluice.send.Idempotency idempotency(Spool spool, Clock clock, sluice.send.Idempotency.Shared shared)
            throws StartException {
        try {
            return new sluice.send.Idempotency(spool, clock, sluice.send.Idempotency.MAX_ENTRIES, shared);
        } catch (SpoolException e) {
            throw new StartException("send API: cannot read the Idempotency-Key records: " + e.getMessage(), e);
        }
    }

    static byte[] jsonBytes(Object body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void json(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json").result(JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String bearer(Context ctx) {
        String h = ctx.header("Authorization");
        return h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7) ? null : h.substring(7).strip();
    }

    private static boolean authorized(Context ctx, byte[] token) {
        String presented = bearer(ctx);
        return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), token);
    }

    /** The token in {@code file}, created (32 random bytes, hex, mode 0600) when absent. */
    private static byte[] tokenBytes(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.createDirectories(file.toAbsolutePath().getParent());
            byte[] raw = new byte[32];
            new SecureRandom().nextBytes(raw);
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, HexFormat.of().formatHex(raw) + "\n");
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        String t = Files.readString(file).strip();
        if (t.isEmpty()) throw new IOException(file + " is empty: put a token in it or delete it to have one generated");
        return t.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        app.stop();
        if (sender != null) sender.close();
    }
}
