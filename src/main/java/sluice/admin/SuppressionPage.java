package sluice.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sluice.policy.SuppressionList;

/**
 * The suppression list over HTTP. GET answers one page (it can hold millions): {@code ?after=&limit=} (default
 * 1000, at most 10,000), the next page's cursor in {@code X-Next-After} and a {@code Link: rel="next"}, absent on
 * the last page. POST …/import stores up to {@link #MAX_IMPORT} entries at once (what `sluice suppression import`
 * sends, a batch at a time). POST adds one entry, DELETE …/{address} removes one.
 */
final class SuppressionPage {
    static final int DEFAULT_LIMIT = 1000;
    static final int MAX_LIMIT = 10_000;
    static final int MAX_IMPORT = 5_000;
    static final String IMPORT_SHAPE = "{\"entries\": [{\"address\": \"…\", \"domain\": \"*\", \"reason\": \"…\", "
            + "\"added\": \"2026-01-01T00:00:00Z\"}, …]}";
    static final String ADD_SHAPE = "{\"address\": \"…\", \"domain\": \"…\", \"reason\": \"…\"}";

    private SuppressionPage() {}

    static void serve(Context ctx, SuppressionList list) throws IOException {
        int limit = QueuePage.intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        String after = ctx.queryParam("after");
        SuppressionList.Page page;
        try {
            page = list.page(after == null || after.isEmpty() ? null : after, limit);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, e.getMessage());
        }
        List<Map<String, Object>> out = new ArrayList<>(page.entries().size());
        for (SuppressionList.Entry e : page.entries()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("domain", e.domain());
            m.put("address", e.address());
            m.put("reason", e.reason());
            m.put("added", e.added().toString());
            out.add(m);
        }
        if (page.next() != null) {
            String next = java.net.URLEncoder.encode(page.next(), java.nio.charset.StandardCharsets.UTF_8);
            ctx.header("X-Next-After", page.next());
            ctx.header("Link", "</api/v1/suppression?limit=" + limit + "&after=" + next + ">; rel=\"next\"");
        }
        ctx.header("X-Total-Count", Long.toString(list.size()));
        AdminServer.json(ctx, 200, out);
    }

    /** Checks every entry first (a 400 names the first bad one and stores nothing), then stores them all. */
    static void importEntries(Context ctx, SuppressionList list, JsonNode body) throws IOException {
        JsonNode entries = body.path("entries");
        if (!entries.isArray()) throw new ApiError(400, "expected " + IMPORT_SHAPE);
        if (entries.size() > MAX_IMPORT) {
            throw new ApiError(413, "at most " + MAX_IMPORT + " entries per request (got " + entries.size() + ")");
        }
        List<SuppressionList.Entry> checked = new ArrayList<>(entries.size());
        Instant now = Instant.now();
        for (int i = 0; i < entries.size(); i++) {
            JsonNode e = entries.get(i);
            try {
                String added = text(e, "added", null, i);
                checked.add(SuppressionList.entry(text(e, "domain", SuppressionList.ALL_SENDERS, i),
                        text(e, "address", null, i), text(e, "reason", "imported", i),
                        added == null || added.isEmpty() ? now : Instant.parse(added)));
            } catch (IllegalArgumentException | DateTimeParseException ex) {
                throw new ApiError(400, "entries[" + i + "]: " + ex.getMessage());
            }
        }
        SuppressionList.Counts counts = list.putAll(checked);
        AdminServer.json(ctx, 200, Map.of("added", counts.added(), "updated", counts.updated()));
    }

    /** {@code POST /api/v1/suppression}: adds one entry (201) or replaces its reason (200, "already listed"). */
    static void add(Context ctx, SuppressionList list, JsonNode body) throws IOException {
        if (!body.isObject()) throw new ApiError(400, "the body must be a JSON object: " + ADD_SHAPE);
        String address = AdminServer.textMember(body, "address", null);
        if (address == null || !address.contains("@")) throw new ApiError(400, "\"address\" must be an email address");
        String domain = AdminServer.textMember(body, "domain", SuppressionList.ALL_SENDERS);
        String reason = AdminServer.textMember(body, "reason", "added by the operator");
        boolean added;
        try {
            added = list.add(domain, address, reason);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, e.getMessage());
        }
        AdminServer.json(ctx, added ? 201 : 200, Map.of("domain", domain, "address", address, "result", added ? "added" : "already listed"));
    }

    /** {@code DELETE /api/v1/suppression/{address}?domain=} (default: every sender); 404 when it is not listed. */
    static void remove(Context ctx, SuppressionList list) throws IOException {
        String domain = ctx.queryParam("domain") == null ? SuppressionList.ALL_SENDERS : ctx.queryParam("domain");
        boolean removed;
        try {
            removed = list.remove(domain, ctx.pathParam("address"));
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, e.getMessage());
        }
        if (!removed) {
            throw new ApiError(404, ctx.pathParam("address") + " is not on the list for " + domain);
        }
        AdminServer.json(ctx, 200, Map.of("domain", domain, "address", ctx.pathParam("address"), "result", "removed"));
    }

    private static String text(JsonNode entry, String name, String absent, int i) {
        JsonNode v = entry.path(name);
        if (v.isMissingNode() || v.isNull()) return absent;
        if (!v.isTextual()) throw new ApiError(400, "entries[" + i + "]." + name + " must be a string");
        return v.asText();
    }
}
