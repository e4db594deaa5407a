package sluice.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Collects, from delivery log events fed in file order, the history of the messages one ID names: a queue id, or a
 * Message-ID (with or without angle brackets), which may name several queued copies.
 *
 * <p>A DSN's {@code received} event names the message it reports on ({@code dsn_for}). Logs written before that
 * field existed are matched by time: a DSN (from the null sender, Message-ID {@code <ID.dsn@host>}) to the traced
 * message's sender within a minute of one of its delivery outcomes.
 */
public final class MessageHistory {
    private static final Pattern DSN_MESSAGE_ID = Pattern.compile("<([^.<>@]+)\\.dsn@[^<>]+>");
    private static final Duration DSN_WINDOW = Duration.ofSeconds(60);

    private final String queueId;
    private final String messageId; // without brackets
    private final Map<String, List<JsonNode>> byQueueId = new LinkedHashMap<>();
    private final List<JsonNode> dsnCandidates = new ArrayList<>();

    public MessageHistory(String id) {
        String s = id.strip();
        this.queueId = s;
        this.messageId = s.startsWith("<") && s.endsWith(">") ? s.substring(1, s.length() - 1) : s;
    }

    public void accept(JsonNode e) {
        String q = e.path("queue_id").asText(null);
        if (q == null) return;
        if (isDsn(e)) dsnCandidates.add(e);
        if (q.equals(queueId) || byQueueId.containsKey(q) || messageId.equals(bare(e.path("message_id").asText(null)))) {
            byQueueId.computeIfAbsent(q, k -> new ArrayList<>()).add(e);
        }
    }

    public boolean isEmpty() {
        return byQueueId.isEmpty();
    }

    /** One history per queue id, oldest first; each is its events in time order, DSNs marked with dsn_for. */
    public Map<String, List<JsonNode>> histories() {
        Map<String, List<JsonNode>> out = new LinkedHashMap<>();
        for (var entry : byQueueId.entrySet()) {
            List<JsonNode> events = new ArrayList<>(entry.getValue());
            for (JsonNode dsn : dsnsFor(entry.getKey(), entry.getValue())) {
                ObjectNode copy = dsn.deepCopy();
                copy.put("dsn_for", entry.getKey());
                events.add(copy);
            }
            events.sort(Comparator.comparing(MessageHistory::ts)); // stable: file order among equal times
            out.put(entry.getKey(), events);
        }
        return out;
    }

    private List<JsonNode> dsnsFor(String q, List<JsonNode> events) {
        String sender = events.stream().map(e -> e.path("sender").asText("")).filter(s -> !s.isEmpty())
                .findFirst().orElse(null);
        List<Instant> outcomes = events.stream()
                .filter(e -> Set.of("delivered", "bounced", "expired", "deferred").contains(e.path("event").asText()))
                .map(MessageHistory::ts).toList();
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode dsn : dsnCandidates) {
            if (dsn.hasNonNull("dsn_for")) {
                if (dsn.get("dsn_for").asText().equals(q)) out.add(dsn);
                continue;
            }
            if (sender == null || dsn.path("queue_id").asText().equals(q) || !recipients(dsn).contains(sender)) continue;
            Instant t = ts(dsn);
            if (outcomes.stream().anyMatch(o -> Duration.between(o, t).abs().compareTo(DSN_WINDOW) <= 0)) out.add(dsn);
        }
        return out;
    }

    public static boolean isDsn(JsonNode e) {
        return e.path("event").asText().equals("received") && e.path("sender").asText("").isEmpty()
                && DSN_MESSAGE_ID.matcher(e.path("message_id").asText("")).matches();
    }

    /** The recipients of a {@code received} event ({@code recipient} or {@code recipients}). */
    public static Set<String> recipients(JsonNode e) {
        Set<String> out = new LinkedHashSet<>();
        if (e.hasNonNull("recipient")) out.add(e.get("recipient").asText());
        for (JsonNode r : e.path("recipients")) out.add(r.asText());
        return out;
    }

    private static String bare(String id) {
        if (id == null) return null;
        String s = id.strip();
        return s.startsWith("<") && s.endsWith(">") ? s.substring(1, s.length() - 1) : s;
    }

    public static Instant ts(JsonNode e) {
        Instant t = DeliveryLogReader.ts(e);
        return t == null ? Instant.EPOCH : t;
    }
}
