package sluice.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import sluice.observe.Webhooks;
import sluice.send.Invalid;
import sluice.send.StrictJson;
import sluice.spool.SpoolException;

/**
 * {@code GET /api/v1/webhooks} (each endpoint: events waiting, the oldest, last success and failure, disabled),
 * {@code POST /api/v1/webhooks/replay} ({@code {"since": RFC3339 | "2h", "endpoint": NAME}}) and
 * {@code POST /api/v1/webhooks/{name}/enable} (after a 410).
 */
public final class WebhooksPage {
    private static final StrictJson JSON = new StrictJson(64 * 1024);
    private static final Pattern AGO = Pattern.compile("(?:(\\d{1,6})d)?(?:(\\d{1,7})h)?(?:(\\d{1,9})m)?(?:(\\d{1,10})s)?");
    static final String REPLAY_SHAPE = "{\"since\": \"2026-01-02T03:04:05Z\" or \"2h\", \"endpoint\": NAME (optional)}";

    /**
     * The node's webhooks, or null when none is configured.
     *
     * @param deliveryLog what replay reads
     */
    public record Source(Webhooks webhooks, Path deliveryLog) {}

    private WebhooksPage() {}

    static Map<String, Object> answer(Source source, Instant now) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("generated", now.toString());
        List<Map<String, Object>> list = new ArrayList<>();
        if (source != null) {
            for (Webhooks.Status s : source.webhooks().status()) list.add(endpoint(s, now));
        }
        out.put("endpoints", list);
        return out;
    }

    static Map<String, Object> endpoint(Webhooks.Status s, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("url", s.url());
        m.put("events", s.events());
        m.put("state", s.disabled() ? "disabled" : s.breakerOpen() ? "circuit_open" : "ok");
        m.put("disabled", s.disabled());
        m.put("circuit_breaker", s.breakerOpen() ? "open" : "closed");
        m.put("waiting", s.waiting());
        m.put("oldest_waiting", s.oldestWaiting() == null ? null : s.oldestWaiting().toString());
        m.put("oldest_waiting_seconds", s.oldestWaiting() == null ? 0
                : Math.max(0, Duration.between(s.oldestWaiting(), now).toSeconds()));
        m.put("in_flight", s.inFlight());
        m.put("last_success", s.lastSuccess() == null ? null : s.lastSuccess().toString());
        m.put("last_failure", s.lastFailure() == null ? null : s.lastFailure().toString());
        m.put("last_error", s.lastError());
        m.put("delivered", s.delivered());
        m.put("failed", s.failed());
        m.put("dropped", s.dropped());
        return m;
    }

    static void replay(Context ctx, Source source, Instant now) throws IOException, SpoolException {
        JsonNode body;
        try {
            body = JSON.read(ctx.bodyAsBytes());
        } catch (Invalid e) {
            throw new ApiError(e.status(), e.getMessage() + "; expected " + REPLAY_SHAPE);
        }
        if (!body.isObject()) throw new ApiError(400, "the body must be a JSON object: " + REPLAY_SHAPE);
        JsonNode sinceNode = body.path("since");
        if (!sinceNode.isTextual()) throw new ApiError(400, "\"since\" is required: " + REPLAY_SHAPE);
        Instant since = since(sinceNode.asText(), now);
        JsonNode ep = body.path("endpoint");
        String endpoint = null;
        if (!ep.isMissingNode() && !ep.isNull()) {
            if (!ep.isTextual()) throw new ApiError(400, "\"endpoint\" must be a string");
            endpoint = ep.asText();
        }
        if (source == null) throw new ApiError(404, "no [[webhooks]] endpoint is configured");
        if (endpoint != null && !source.webhooks().has(endpoint)) {
            throw new ApiError(404, "no webhook endpoint is named \"" + endpoint + "\"");
        }
        long queued = source.webhooks().replay(source.deliveryLog(), since, endpoint);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("since", since.toString());
        out.put("endpoint", endpoint);
        out.put("queued", queued);
        AdminServer.json(ctx, 200, out);
    }

    static void enable(Context ctx, Source source) {
        String name = ctx.pathParam("name");
        if (source == null || !source.webhooks().enable(name)) {
            throw new ApiError(404, "no webhook endpoint is named \"" + name + "\"");
        }
        AdminServer.json(ctx, 200, Map.of("endpoint", name, "result", "enabled"));
    }

    /** An RFC 3339 time, or a span back from now such as "2h", "30m", "7d", "1h30m". */
    static Instant since(String text, Instant now) {
        String t = text.strip();
        try {
            return java.time.OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e) {
            Matcher m = AGO.matcher(t);
            if (t.isEmpty() || !m.matches()) {
                throw new ApiError(400, "\"since\" must be an RFC 3339 time such as 2026-01-02T03:04:05Z or a span"
                        + " back from now such as 2h, 30m, 7d (got \"" + text + "\")");
            }
            Duration d = Duration.ZERO;
            if (m.group(1) != null) d = d.plusDays(Long.parseLong(m.group(1)));
            if (m.group(2) != null) d = d.plusHours(Long.parseLong(m.group(2)));
            if (m.group(3) != null) d = d.plusMinutes(Long.parseLong(m.group(3)));
            if (m.group(4) != null) d = d.plusSeconds(Long.parseLong(m.group(4)));
            return now.minus(d);
        }
    }
}
