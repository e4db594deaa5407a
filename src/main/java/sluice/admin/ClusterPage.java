package sluice.admin;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import sluice.cluster.ClusterView;

/** {@code GET /api/v1/cluster}: this node's standing in its cluster (or "single") and every node seen. */
final class ClusterPage {
    private ClusterPage() {}

    static Map<String, Object> answer(Supplier<ClusterView> source, Instant now) {
        ClusterView v = source.get();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("generated", now.toString());
        out.put("mode", v.mode());
        out.put("node", v.node());
        out.put("redis", v.redis());
        out.put("state", v.state());
        out.put("degraded_since", v.degradedSince() == null ? null : v.degradedSince().toString());
        out.put("last_error", v.lastError());
        out.put("degraded_share", v.share());
        out.put("redis_calls", v.redisCalls());
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (ClusterView.Member m : v.members()) {
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("name", m.name());
            n.put("self", m.self());
            n.put("alive", m.alive());
            n.put("last_seen", m.lastSeen().toString());
            n.put("state", m.state());
            n.put("queue", m.queue());
            n.put("started", m.started().toString());
            nodes.add(n);
        }
        out.put("nodes", nodes);
        out.put("alive", v.members().stream().filter(ClusterView.Member::alive).count());
        return out;
    }
}
