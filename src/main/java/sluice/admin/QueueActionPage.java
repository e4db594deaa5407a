package sluice.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import sluice.queue.BulkActions;
import sluice.queue.QueueControl;
import sluice.queue.QueueOpResult;
import sluice.spool.SpoolException;

/**
 * The queue's actions over HTTP: {@code POST /api/v1/queue/{id}/{action}} and {@code DELETE /api/v1/queue/{id}} on
 * one message, {@code POST /api/v1/queue-actions} on many. Each goes through {@link QueueControl} (the scheduler, or
 * the spool directly while delivery is paused).
 */
final class QueueActionPage {
    /** Largest number of ids in one {@code POST /api/v1/queue-actions}. */
    static final int MAX_BULK = 10_000;

    private QueueActionPage() {}

    static void act(Context ctx, QueueControl scheduler, String action) throws SpoolException {
        String id = ctx.pathParam("id");
        if (!QueueControl.ACTIONS.contains(action)) {
            throw new ApiError(404, "unknown action \"" + action + "\" (hold, release, retry, bounce, or DELETE)");
        }
        QueueOpResult r = scheduler.apply(action, id);
        switch (r) {
            case QueueOpResult.Done d -> AdminServer.json(ctx, 200, Map.of("id", id, "result", d.detail()));
            case QueueOpResult.NotFound n -> throw new ApiError(404, "no such message: " + id);
            case QueueOpResult.Busy b -> throw new ApiError(409, "message " + id + " is being delivered right now; try again in a moment");
            case QueueOpResult.Failed f -> throw new ApiError(409, f.reason());
        }
    }

    /**
     * {@code POST /api/v1/queue-actions} with {@code {"action": "delete", "ids": [...]}}: one action on many messages
     * (the CLI's {@code --all} and {@code --domain}), each id's result in order.
     */
    static void bulk(Context ctx, QueueControl control) throws Exception {
        JsonNode req = AdminServer.readJson(ctx, "{\"action\": \"hold\", \"ids\": [\"…\"]}");
        String action = AdminServer.textMember(req, "action", "");
        if (!QueueControl.ACTIONS.contains(action)) {
            throw new ApiError(400, "\"action\": one of hold, release, retry, delete, bounce (got \"" + action + "\")");
        }
        JsonNode list = req.path("ids");
        if (!list.isArray()) throw new ApiError(400, "\"ids\": an array of queue ids is required");
        if (list.size() > MAX_BULK) throw new ApiError(400, "\"ids\": at most " + MAX_BULK + " per request (got " + list.size() + ")");
        List<String> ids = new ArrayList<>();
        for (JsonNode n : list) {
            if (!n.isTextual()) throw new ApiError(400, "\"ids\": every element must be a string");
            ids.add(n.asText());
        }
        List<QueueOpResult> results = BulkActions.apply(control, action, ids);
        List<Map<String, Object>> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            out.add(switch (results.get(i)) {
                case QueueOpResult.Done d -> Map.of("id", ids.get(i), "result", d.detail());
                case QueueOpResult.NotFound n -> Map.of("id", ids.get(i), "status", 404, "error", "no such message");
                case QueueOpResult.Busy b -> Map.of("id", ids.get(i), "status", 409,
                        "error", "being delivered right now; try again in a moment");
                case QueueOpResult.Failed f -> Map.of("id", ids.get(i), "status", 409, "error", f.reason());
            });
        }
        AdminServer.json(ctx, 200, Map.of("results", out));
    }
}
