package sluice.admin;

import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sluice.shaping.SourceListings;

/**
 * {@code GET /api/v1/shaping/blocklists} (the last check of the egress addresses against {@code [egress]
 * dnsbl_zones}) and {@code POST /api/v1/shaping/blocklists/check} (check now, answer when done).
 */
final class BlocklistPage {
    private BlocklistPage() {}

    static void last(Context ctx, SourceListings listings) {
        AdminServer.json(ctx, 200, body(available(listings).last()));
    }

    static void check(Context ctx, SourceListings listings) throws InterruptedException {
        SourceListings l = available(listings);
        if (l.last().zones().isEmpty()) {
            throw new ApiError(409, "no DNS blocklist zones to check: set [egress] dnsbl_zones");
        }
        AdminServer.json(ctx, 200, body(l.checkNow()));
    }

    private static SourceListings available(SourceListings listings) {
        if (listings == null) throw new ApiError(409, "delivery is paused ([delivery] paused): no egress sources are in use");
        return listings;
    }

    static Map<String, Object> body(SourceListings.Report r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("checked", r.checked() == null ? null : r.checked().toString());
        out.put("zones", r.zones());
        out.put("action", r.remove() ? "remove" : "alert");
        List<Map<String, Object>> sources = new ArrayList<>();
        for (SourceListings.SourceState s : r.sources()) {
            Map<String, Object> source = new LinkedHashMap<>();
            source.put("source", s.source());
            source.put("ip", s.ip());
            source.put("usable", !r.remove() || s.listed().isEmpty());
            source.put("listed", s.listed().stream().map(l -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("zone", l.zone());
                m.put("answer", String.join(", ", l.answer()));
                m.put("reason", l.reason());
                m.put("since", l.since().toString());
                return m;
            }).toList());
            source.put("failed", s.failed().stream().map(f -> Map.of("zone", f.zone(), "error", f.detail())).toList());
            sources.add(source);
        }
        out.put("sources", sources);
        return out;
    }
}
