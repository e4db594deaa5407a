package sluice.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import sluice.config.HostPort;
import sluice.config.Units;
import sluice.send.Invalid;
import sluice.send.StrictJson;

/**
 * {@code POST /api/v1/drain} (start taking the node out: stop accepting, deliver or hand over the queue, stop) and
 * {@code GET /api/v1/drain} (how far it got). The drain itself is the node's; this page reads and starts it.
 */
public final class DrainPage {
    static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    private static final String SHAPE = "{\"timeout\": \"10m\", \"handover\": \"192.0.2.7:25\", \"handover_now\": false}";
    private static final StrictJson JSON = new StrictJson(64 * 1024);

    private DrainPage() {}

    /**
     * What the operator asked.
     *
     * @param handover another node's SMTP address to relay what is left to, or null
     * @param handoverNow hand over at once rather than at the timeout
     */
    public record Request(Duration timeout, HostPort handover, boolean handoverNow) {}

    /**
     * A drain's state; {@code since} null: not draining.
     *
     * @param phase     "delivering", "handing_over" or "ended"
     * @param queued    messages still queued on this node, held ones included
     * @param held      held messages (they stay on this spool; a drain does not wait for them)
     * @param delivered messages delivered since the drain started (handovers included)
     * @param handedOver messages whose last recipients the handover peer took
     * @param endReason  "queue empty", "timeout", "handover done" or "delivery paused"; null while draining
     */
    public record Status(Instant since, String phase, Instant timeoutAt, String handover, long queued, long held,
                         long delivered, long handedOver, int transactionsInFlight, Instant ended, String endReason) {
        public static final Status IDLE = new Status(null, null, null, null, 0, 0, 0, 0, 0, null, null);

        public boolean draining() {
            return since != null;
        }
    }

    /** The node's drain. */
    public interface Source {
        Status status();

        /** Whether a drain has started (asked on every send-API request: cheaper than a {@link #status}). */
        default boolean draining() {
            return status().draining();
        }

        /**
         * Starts the drain; when one is under way, changes nothing and answers its state.
         *
         * @throws IllegalStateException when this node cannot do what was asked (the message says why)
         */
        Status start(Request request);
    }

    /** The send API's handler, answering 503 while draining: the client (or its load balancer) goes to another node. */
    static io.javalin.http.Handler refusingWhileDraining(Source drain, io.javalin.http.Handler send) {
        return ctx -> {
            if (drain != null && drain.draining()) {
                ctx.header("Retry-After", "60");
                throw new ApiError(503, "node is draining: it accepts no new messages; send to another node");
            }
            send.handle(ctx);
        };
    }

    static void get(Context ctx, Source drain) {
        AdminServer.json(ctx, 200, answer(present(drain).status()));
    }

    static void post(Context ctx, Source drain) {
        present(drain);
        Request r = request(ctx.bodyAsBytes());
        boolean already = drain.draining();
        Map<String, Object> out;
        try {
            out = answer(drain.start(r));
        } catch (IllegalStateException e) {
            throw new ApiError(409, e.getMessage());
        }
        out.put("started", !already);
        AdminServer.json(ctx, already ? 200 : 202, out);
    }

    private static Source present(Source drain) {
        if (drain == null) throw new ApiError(404, "this server has no drain");
        return drain;
    }

    /** An empty body is every default: 10 minutes, no handover. */
    static Request request(byte[] body) {
        if (body.length == 0 || new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            return new Request(DEFAULT_TIMEOUT, null, false);
        }
        JsonNode j;
        try {
            j = JSON.read(body);
        } catch (Invalid e) {
            throw new ApiError(e.status(), e.getMessage() + "; expected " + SHAPE);
        }
        if (!j.isObject()) throw new ApiError(400, "the body must be a JSON object: " + SHAPE);
        for (var it = j.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!name.equals("timeout") && !name.equals("handover") && !name.equals("handover_now")) {
                throw new ApiError(400, "unknown member \"" + name + "\"; expected " + SHAPE);
            }
        }
        Duration timeout = DEFAULT_TIMEOUT;
        JsonNode t = j.path("timeout");
        if (!t.isMissingNode() && !t.isNull()) {
            if (!t.isTextual()) throw new ApiError(400, "\"timeout\" must be a duration string like \"10m\"");
            try {
                timeout = Units.duration(t.asText());
            } catch (IllegalArgumentException e) {
                throw new ApiError(400, "\"timeout\": " + e.getMessage());
            }
        }
        HostPort handover = null;
        JsonNode h = j.path("handover");
        if (!h.isMissingNode() && !h.isNull()) {
            if (!h.isTextual()) throw new ApiError(400, "\"handover\" must be a string \"ip:port\"");
            try {
                handover = HostPort.parse(h.asText(), true);
            } catch (IllegalArgumentException e) {
                throw new ApiError(400, "\"handover\": " + e.getMessage());
            }
        }
        JsonNode now = j.path("handover_now");
        if (!now.isMissingNode() && !now.isNull() && !now.isBoolean()) {
            throw new ApiError(400, "\"handover_now\" must be true or false");
        }
        if (now.asBoolean(false) && handover == null) {
            throw new ApiError(400, "\"handover_now\" needs \"handover\": the address of the node to hand the queue to");
        }
        return new Request(timeout, handover, now.asBoolean(false));
    }

    static Map<String, Object> answer(Status s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("draining", s.draining());
        if (!s.draining()) return out;
        out.put("phase", s.phase());
        out.put("since", s.since().toString());
        out.put("timeout_at", s.timeoutAt().toString());
        out.put("handover", s.handover());
        out.put("queued", s.queued());
        out.put("held", s.held());
        out.put("delivered", s.delivered());
        out.put("handed_over", s.handedOver());
        out.put("transactions_in_flight", s.transactionsInFlight());
        out.put("ended", s.ended() == null ? null : s.ended().toString());
        out.put("end_reason", s.endReason());
        return out;
    }
}
