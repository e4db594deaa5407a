package sluice.admin;

import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import sluice.queue.QueueView;
import sluice.spool.QueuedMessage;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * {@code GET /api/v1/queue?limit=N&after=ID}: one page of the queue in queue-id (arrival) order, so a million
 * queued messages are never one answer. The body stays the array CONTRACT names; when more follow, the next page's
 * cursor is in {@code X-Next-After} (the last id of this page) and a {@code Link: <…>; rel="next"} header.
 * {@code GET /api/v1/queue/{id}} answers one message in full.
 */
final class QueuePage {
    static final int DEFAULT_LIMIT = 1000;
    static final int MAX_LIMIT = 10_000;

    private QueuePage() {}

    static void serve(Context ctx, Spool spool, Clock clock) throws SpoolException {
        int limit = intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        String after = ctx.queryParam("after");
        if (after != null && (after.isEmpty() || after.length() > 200 || !after.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
            throw new ApiError(400, "after must be a queue id (the X-Next-After of the previous page)");
        }
        List<Map<String, Object>> out = new ArrayList<>(Math.min(limit, 1024));
        String[] last = {null};
        boolean more = spool.scanPage(after, limit, m -> {
            out.add(QueueView.summary(m, clock.instant()));
            last[0] = m.id();
        });
        if (more) {
            String next = URLEncoder.encode(last[0], StandardCharsets.UTF_8);
            ctx.header("X-Next-After", last[0]);
            ctx.header("Link", "</api/v1/queue?limit=" + limit + "&after=" + next + ">; rel=\"next\"");
        }
        AdminServer.json(ctx, 200, out);
    }

    static void detail(Context ctx, Spool spool, Clock clock) throws SpoolException {
        AdminServer.json(ctx, 200, QueueView.detail(find(spool, ctx.pathParam("id")), clock.instant()));
    }

    private static QueuedMessage find(Spool spool, String id) throws SpoolException {
        Optional<QueuedMessage> m = spool.find(id);
        if (m.isEmpty()) throw new ApiError(404, "no such message: " + id);
        return m.get();
    }

    /** An integer query parameter within bounds; anything else is a 400 that says what is expected. */
    static int intParam(Context ctx, String name, int absent, int min, int max) {
        String v = ctx.queryParam(name);
        if (v == null) return absent;
        try {
            int n = Integer.parseInt(v.strip());
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiError(400, name + " must be a number from " + min + " to " + max + " (got \"" + v + "\")");
    }
}
