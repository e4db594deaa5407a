package sluice.queue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sluice.spool.QueuedMessage;
import sluice.spool.Recipient;
import sluice.spool.RecipientState;

/** How a queued message is shown to operators (CLI and admin API): the CONTRACT.md fields, in order. */
public final class QueueView {
    private QueueView() {}

    public static String state(QueuedMessage m, Instant now) {
        if (m.state().held()) return "held";
        if (m.state().nextAttempt() != null && m.state().nextAttempt().isAfter(now)) return "scheduled";
        return "ready";
    }

    public static List<String> pending(QueuedMessage m) {
        return m.envelope().recipients().stream().filter(r -> r.state() == RecipientState.PENDING)
                .map(Recipient::address).toList();
    }

    /** One row of {@code queue list --json} and {@code GET /api/v1/queue}. */
    public static Map<String, Object> summary(QueuedMessage m, Instant now) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", m.id());
        o.put("sender", m.envelope().sender());
        o.put("recipients", pending(m));
        o.put("state", state(m, now));
        o.put("attempts", m.state().attempts());
        o.put("next_attempt", m.state().nextAttempt() == null ? null : m.state().nextAttempt().toString());
        o.put("last_error", m.state().lastError());
        o.put("size", m.envelope().size());
        o.put("received", m.envelope().received().toString());
        return o;
    }

    /** {@link #summary} plus every recipient's state and the reception facts. */
    public static Map<String, Object> detail(QueuedMessage m, Instant now) {
        Map<String, Object> o = summary(m, now);
        List<Map<String, Object>> rcpts = new ArrayList<>();
        for (Recipient r : m.envelope().recipients()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("address", r.address());
            x.put("state", r.state().name().toLowerCase(java.util.Locale.ROOT));
            x.put("attempts", r.attempts());
            x.put("last_error", r.lastError());
            if (r.notifyOn() != null) x.put("notify", r.notifyOn());
            if (r.orcpt() != null) x.put("orcpt", r.orcpt());
            rcpts.add(x);
        }
        o.put("all_recipients", rcpts);
        o.put("attributes", new java.util.TreeMap<>(m.envelope().attributes()));
        // what the sender asked of transit security (RFC 8689): REQUIRETLS, or TLS-Required: No
        if (m.envelope().requireTls()) o.put("require_tls", true);
        if (m.envelope().tlsOptional()) o.put("tls_required", "no");
        return o;
    }
}
