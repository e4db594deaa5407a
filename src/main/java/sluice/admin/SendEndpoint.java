package sluice.admin;

import io.javalin.http.Context;
import java.io.IOException;
import java.net.InetAddress;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import sluice.send.Authentication;
import sluice.send.InjectResult;
import sluice.send.Idempotency;
import sluice.send.Injector;
import sluice.spool.SpoolException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/v1/messages}: HTTP in and out, in the order that keeps a hostile client cheap. The API key is
 * checked first (a wrong or missing key, or the admin token, is answered without reading the body); then a declared
 * length over the limit is refused; then the body is read within the limit and the shared {@link BodyBudget}; only
 * then does the injector build and queue the message.
 */
final class SendEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SendEndpoint.class);
    /** How long a request waits for room in the budget before it is told to come back. */
    static final Duration BUDGET_WAIT = Duration.ofSeconds(2);

    private final Injector injector;
    private final byte[] adminToken;
    private final BodyBudget budget;
    private final Idempotency idempotency;
    /**
     * Building, signing and storing a message is CPU work of up to seconds for a large one. On a virtual thread it
     * holds a carrier (the launcher runs one on 2 cores), and SMTP greetings waited 7.7 s behind four 21 MB
     * requests; platform threads are shared out by the OS. Half the cores: the other half stay with the sessions.
     */
    private final ExecutorService builders = Executors.newFixedThreadPool(
            Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
            Thread.ofPlatform().name("send-api-build-", 0).daemon(true).factory());
    /** A body up to this size is built by {@link #smallBuilders}. */
    static final int SMALL_BODY = 256 << 10;
    /**
     * A small message (most API traffic; every row of a `sluice send` campaign) takes a millisecond or two of CPU and
     * then waits for the spool's fsync. On the one builder above, messages were stored one fsync at a time (270/s
     * measured with bench/bulk); 32 waiting together share the group commit's fsyncs.
     */
    private final ExecutorService smallBuilders = Executors.newFixedThreadPool(32,
            Thread.ofPlatform().name("send-api-small-", 0).daemon(true).factory());

    SendEndpoint(Injector injector, byte[] adminToken, BodyBudget budget, Idempotency idempotency) {
        this.idempotency = idempotency;
        this.injector = injector;
        this.adminToken = adminToken;
        this.budget = budget;
    }

    @Override
    public void close() {
        builders.shutdownNow();
        smallBuilders.shutdownNow();
    }

    void handle(Context ctx) throws InterruptedException {
        String type = ctx.contentType() == null ? "" : ctx.contentType().split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!type.equals("application/json") && !type.equals("message/rfc822")) {
            throw new ApiError(415, "Content-Type must be application/json or message/rfc822 (got \"" + type + "\")");
        }
        String key = AdminServer.bearer(ctx);
        if (key != null && MessageDigest.isEqual(key.getBytes(StandardCharsets.UTF_8), adminToken)) {
            // the operator's own mistake, not a guess: say so, and do not count it toward the lockout
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiError(401, "this is the admin token; the send API takes a user's API key from `sluice user apikey NAME`");
        }
        Authentication.Caller caller = switch (injector.authenticate(key, client(ctx), ctx.req().getLocalPort())) {
            case Authentication.Caller c -> c;
            case Authentication.Refused r -> {
                if (r.status() == 401) ctx.header("WWW-Authenticate", "Bearer");
                throw new ApiError(r.status(), r.error());
            }
        };
        try (BodyBudget.Lease lease = budget.lease()) {
            BoundedBody.Outcome read;
            try {
                // opened by BoundedBody once the share is held: opening it sends an Expect: 100-continue client 100 Continue
                read = BoundedBody.read(ctx.req()::getInputStream, ctx.req().getContentLengthLong(),
                        injector.maxRequestBytes(), lease, BUDGET_WAIT);
            } catch (IOException e) {
                throw new ApiError(400, "the request body could not be read (the client went away or sent a broken chunk)");
            }
            byte[] bytes = switch (read) {
                case BoundedBody.Outcome.Read r -> r.bytes();
                case BoundedBody.Outcome.TooLarge t -> throw new ApiError(413, "the request body is larger than "
                        + injector.maxRequestBytes() + " bytes (max_message_size is " + injector.maxMessageSize() + " bytes)");
                case BoundedBody.Outcome.Busy b -> {
                    ctx.header("Retry-After", Long.toString(Math.max(1, BUDGET_WAIT.toSeconds())));
                    throw new ApiError(503, "too many large messages are being received right now; try again shortly");
                }
                case BoundedBody.Outcome.Short s -> throw new ApiError(400, "the body ended after " + s.received()
                        + " of the " + s.declared() + " bytes its Content-Length declared");
            };
            Injector.Body body = type.equals("application/json") ? new Injector.Body.Json(bytes)
                    : new Injector.Body.Raw(bytes, ctx.queryParam("from"), ctx.queryParams("to"),
                            requireTls(ctx.queryParam("require_tls")));
            String idempotencyKey = ctx.header("Idempotency-Key");
            if (idempotencyKey == null) {
                answer(ctx, inject(caller, body, bytes.length));
                return;
            }
            idempotent(ctx, caller, idempotencyKey, type, bytes, body);
        }
    }

    /** {@code ?require_tls=true} asks for REQUIRETLS for a raw message (the JSON body has its own member). */
    private static boolean requireTls(String value) {
        if (value == null || value.equals("false")) return false;
        if (value.equals("true")) return true;
        throw new ApiError(400, "require_tls must be true or false");
    }

    /**
     * With an Idempotency-Key: the first answer again for a repeated request, else the request, its answer stored
     * (synced) before it goes out. A request refused for a passing reason (429, 503) leaves no record.
     */
    private void idempotent(Context ctx, Authentication.Caller caller, String key, String type, byte[] bytes, Injector.Body body)
            throws InterruptedException {
        String problem = Idempotency.problem(key);
        if (problem != null) throw new ApiError(400, problem);
        // the same request: the same kind of body, the same ?from and ?to, the same bytes
        byte[] head = (type + "\n" + (ctx.queryString() == null ? "" : ctx.queryString()) + "\n").getBytes(StandardCharsets.UTF_8);
        String request = Idempotency.requestHash(head, bytes);
        Idempotency.Claim.Fresh ticket;
        try {
            switch (idempotency.claim(caller.user(), key, request)) {
                case Idempotency.Claim.Replay r -> {
                    ctx.header("Idempotent-Replayed", "true");
                    ctx.status(r.status()).contentType("application/json").result(r.body());
                    return;
                }
                case Idempotency.Claim.Conflict c -> throw new ApiError(c.status(), c.error());
                case Idempotency.Claim.Fresh f -> ticket = f;
            }
        } catch (SpoolException e) {
            log.error("send API: Idempotency-Key record not readable or writable: {}", e.getMessage());
            ctx.header("Retry-After", "10");
            throw new ApiError(503, "the Idempotency-Key record could not be stored; try again later");
        }
        boolean done = false;
        try {
            InjectResult result;
            try {
                result = inject(caller, body, bytes.length);
            } catch (ApiError e) {
                idempotency.abandon(ticket); // shutting down: nothing was queued, so a retry may go ahead
                done = true;
                throw e;
            }
            Answer a = answerOf(result);
            if (a.status() == 429 || a.status() >= 500) {
                idempotency.abandon(ticket);
            } else {
                idempotency.finish(ticket, a.status(), a.body());
            }
            done = true;
            write(ctx, result, a);
        } catch (SpoolException e) {
            // What was queued stays queued; the record stays "pending", so a retry is refused rather than sent twice.
            log.error("send API: the answer for an Idempotency-Key was not stored: {}", e.getMessage());
            throw new ApiError(503, "the request was handled but its Idempotency-Key record could not be stored; "
                    + "a retry with this key will be refused: check the queue before sending again");
        } finally {
            if (!done) idempotency.release(ticket);
        }
    }

    /** Builds, signs and queues on a platform thread: small bodies on the pool whose threads share fsyncs. */
    private InjectResult inject(Authentication.Caller caller, Injector.Body body, int size) throws InterruptedException {
        try {
            return (size <= SMALL_BODY ? smallBuilders : builders).submit(() -> injector.inject(caller, body)).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("send API: building the message failed", e.getCause());
        } catch (RejectedExecutionException e) {
            throw new ApiError(503, "the server is shutting down; try again later");
        }
    }

    /** A status and a JSON body. */
    private record Answer(int status, byte[] body) {}

    private static Answer answerOf(InjectResult result) {
        return switch (result) {
            case InjectResult.Accepted a -> new Answer(202, AdminServer.jsonBytes(
                    Map.of("id", a.id(), "message_id", a.messageId(), "recipients", a.recipients())));
            case InjectResult.Batch b -> {
                List<Map<String, Object>> items = new ArrayList<>();
                for (InjectResult.Item i : b.items()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("index", i.index());
                    m.put("to", i.to());
                    if (i.id() != null) {
                        m.put("id", i.id());
                        m.put("message_id", i.messageId());
                    } else {
                        m.put("error", i.error());
                    }
                    items.add(m);
                }
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("queued", b.queued());
                body.put("refused", b.items().size() - b.queued());
                body.put("messages", items);
                yield new Answer(202, AdminServer.jsonBytes(body));
            }
            case InjectResult.Refused r -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("error", r.error());
                if (!r.errors().isEmpty()) {
                    List<Map<String, String>> errors = new ArrayList<>();
                    for (var e : r.errors()) {
                        Map<String, String> one = new LinkedHashMap<>();
                        one.put("field", e.field());
                        one.put("message", e.message());
                        errors.add(one);
                    }
                    body.put("errors", errors);
                }
                yield new Answer(r.status(), AdminServer.jsonBytes(body));
            }
        };
    }

    private static void answer(Context ctx, InjectResult result) {
        write(ctx, result, answerOf(result));
    }

    private static void write(Context ctx, InjectResult result, Answer a) {
        if (result instanceof InjectResult.Refused r && r.retryAfterSeconds() > 0) {
            ctx.header("Retry-After", Long.toString(r.retryAfterSeconds()));
        }
        ctx.status(a.status()).contentType("application/json").result(a.body());
    }

    private static InetAddress client(Context ctx) {
        String remote = ctx.req().getRemoteAddr();
        InetAddress client = sluice.config.IpLiterals.toAddress(remote.startsWith("[") ? remote.substring(1, remote.length() - 1) : remote);
        if (client == null) throw new ApiError(400, "cannot tell the client's address");
        return client;
    }
}
