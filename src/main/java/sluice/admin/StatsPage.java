package sluice.admin;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/stats}, what the dashboard draws: counts and rates over the last 5 minutes, hour and day, the
 * charts' series, the queue by state and by destination (the 50 largest), and the alerts active now.
 */
final class StatsPage {
    private StatsPage() {}

    static Map<String, Object> answer(AdminServer.Parts parts, Clock clock) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("generated", clock.instant().toString());
        Map<String, Object> windows = new java.util.LinkedHashMap<>();
        windows.put("5m", parts.stats().window(5));
        windows.put("1h", parts.stats().window(60));
        windows.put("24h", parts.stats().window(24 * 60));
        out.put("windows", windows);
        Map<String, Object> series = new java.util.LinkedHashMap<>();
        series.put("1h", parts.stats().series(60, 1));
        series.put("24h", parts.stats().series(96, 15));
        out.put("series", series);
        Map<String, Object> queue = new java.util.LinkedHashMap<>();
        Map<String, Long> byState = parts.counts().byState();
        queue.put("total", byState.values().stream().mapToLong(Long::longValue).sum());
        queue.put("by_state", byState);
        List<Map<String, Object>> byDest = new ArrayList<>();
        parts.counts().byDestination().entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(50).forEach(e -> byDest.add(Map.of("destination", e.getKey(), "messages", e.getValue())));
        queue.put("by_destination", byDest);
        out.put("queue", queue);
        out.put("bounce_rate_threshold", parts.alerts().bounceThreshold());
        parts.alerts().evaluate(); // fresh, not up to a minute old
        out.put("alerts", parts.alerts().active().stream().map(a -> Map.of("kind", a.kind(), "message", a.message(),
                "since", a.since().toString())).toList());
        return out;
    }
}
