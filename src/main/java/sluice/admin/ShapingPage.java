package sluice.admin;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import sluice.shaping.LaneView;
import sluice.shaping.WarmupView;

/**
 * {@code GET /api/v1/shaping}: what each egress source may send to each destination group now, and each warming
 * source's day. Lanes of single domains (group "*") can be as many as the domains mail goes to, so the answer
 * keeps every named group's lane and at most {@link #MAX_DOMAIN_LANES} domain lanes (suspended first, then backing
 * off, then the busiest), and says how many it left out.
 */
public final class ShapingPage {
    static final int MAX_DOMAIN_LANES = 500;

    /**
     * Where the state comes from; null when delivery is paused (nothing is shaped).
     *
     * @param lanes  every lane ({@code Shaper.lanes()})
     * @param warmup every warming source's day per group ({@code Shaper.warmup()})
     */
    public record Source(Supplier<List<LaneView>> lanes, Supplier<List<WarmupView>> warmup) {}

    private ShapingPage() {}

    /** Suspended, then backing off, then the most jobs in flight or waiting, then by domain. */
    private static final Comparator<LaneView> MOST_TELLING = Comparator
            .comparing((LaneView v) -> !v.suspended())
            .thenComparing(v -> !v.backingOff())
            .thenComparing(v -> -(long) (v.active() + v.waitingForRate() + v.waitingForConnection()))
            .thenComparing(v -> v.domain() == null ? "" : v.domain())
            .thenComparing(LaneView::source);

    static Map<String, Object> answer(Source source, Instant now) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("generated", now.toString());
        if (source == null) {
            out.put("delivery", "paused");
            out.put("lanes", List.of());
            out.put("warmup", List.of());
            out.put("omitted", 0);
            return out;
        }
        List<LaneView> all = source.lanes().get();
        List<LaneView> named = new ArrayList<>();
        List<LaneView> domains = new ArrayList<>();
        for (LaneView v : all) (v.domain() == null ? named : domains).add(v);
        domains.sort(MOST_TELLING);
        int omitted = Math.max(0, domains.size() - MAX_DOMAIN_LANES);
        List<Map<String, Object>> lanes = new ArrayList<>();
        for (LaneView v : named) lanes.add(lane(v));
        for (LaneView v : domains.subList(0, domains.size() - omitted)) lanes.add(lane(v));
        out.put("lanes", lanes);
        out.put("omitted", omitted);
        out.put("warmup", source.warmup().get().stream().map(ShapingPage::warmup).toList());
        return out;
    }

    /** One lane; a limit of 0 in {@link LaneView} ("no limit") is null here, never a limit of zero. */
    static Map<String, Object> lane(LaneView v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", v.source());
        m.put("group", v.group());
        if (v.domain() != null) m.put("domain", v.domain());
        m.put("state", v.suspended() ? "suspended" : v.backingOff() ? "backing_off" : "ok");
        m.put("rate_per_second", v.ratePerSecond() == 0 ? null : v.ratePerSecond());
        m.put("configured_rate_per_second", v.configuredPerSecond() == 0 ? null : v.configuredPerSecond());
        m.put("connections", v.connections() == 0 ? null : v.connections());
        m.put("configured_connections", v.configuredConnections() == 0 ? null : v.configuredConnections());
        m.put("active", v.active());
        m.put("waiting_for_rate", v.waitingForRate());
        m.put("waiting_for_connection", v.waitingForConnection());
        m.put("backing_off", v.backingOff());
        if (v.suspended()) {
            m.put("suspended_until", Instant.ofEpochMilli(v.suspendedUntilMillis()).toString());
            if (v.suspendedBecause() != null) m.put("suspended_because", v.suspendedBecause());
        }
        if (v.rule() != null) m.put("rule", v.rule());
        return m;
    }

    static Map<String, Object> warmup(WarmupView w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", w.source());
        m.put("group", w.group());
        m.put("schedule", w.schedule());
        m.put("day", w.day());
        m.put("days", w.days());
        m.put("sent_today", w.sentToday());
        m.put("cap_today", w.capToday());
        if (w.endsOn() != null) m.put("ends_on", w.endsOn());
        return m;
    }
}
