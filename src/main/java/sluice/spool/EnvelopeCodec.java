package sluice.spool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The stored form of an envelope and its queue state: versioned JSON, instants as epoch milliseconds. */
final class EnvelopeCodec {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int VERSION = 1;

    private EnvelopeCodec() {}

    static byte[] encode(Envelope e, QueueState s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("v", VERSION);
        o.put("sender", e.sender());
        o.put("received", e.received().toEpochMilli());
        o.put("size", e.size());
        ArrayNode rcpts = o.putArray("rcpts");
        for (Recipient r : e.recipients()) {
            ObjectNode n = rcpts.addObject();
            n.put("addr", r.address());
            if (r.orcpt() != null) n.put("orcpt", r.orcpt());
            if (r.notifyOn() != null) n.put("notify", r.notifyOn());
            n.put("state", r.state().name());
            n.put("attempts", r.attempts());
            if (r.lastError() != null) n.put("error", r.lastError());
        }
        ObjectNode attrs = o.putObject("attrs");
        e.attributes().forEach(attrs::put);
        ObjectNode q = o.putObject("queue");
        q.put("held", s.held());
        if (s.nextAttempt() != null) q.put("next", s.nextAttempt().toEpochMilli());
        q.put("attempts", s.attempts());
        if (s.lastError() != null) q.put("error", s.lastError());
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException ex) {
            throw new IllegalStateException("cannot encode envelope", ex);
        }
    }

    static QueuedMessage decode(String id, byte[] bytes) throws SpoolException {
        try {
            JsonNode o = JSON.readTree(bytes);
            if (o.path("v").asInt() != VERSION) throw new SpoolException("message " + id + ": unknown record version");
            List<Recipient> rcpts = new ArrayList<>();
            for (JsonNode n : o.path("rcpts")) {
                rcpts.add(new Recipient(n.path("addr").asText(), text(n, "orcpt"), text(n, "notify"),
                        RecipientState.valueOf(n.path("state").asText()), n.path("attempts").asInt(), text(n, "error")));
            }
            Map<String, String> attrs = new HashMap<>();
            o.path("attrs").fields().forEachRemaining(f -> attrs.put(f.getKey(), f.getValue().asText()));
            Envelope e = new Envelope(o.path("sender").asText(), rcpts, Instant.ofEpochMilli(o.path("received").asLong()),
                    o.path("size").asLong(), attrs);
            JsonNode q = o.path("queue");
            QueueState s = new QueueState(q.path("held").asBoolean(),
                    q.has("next") ? Instant.ofEpochMilli(q.path("next").asLong()) : null, q.path("attempts").asInt(),
                    text(q, "error"));
            return new QueuedMessage(id, e, s);
        } catch (IOException | IllegalArgumentException ex) {
            throw new SpoolException("message " + id + ": unreadable envelope: " + ex.getMessage(), ex);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
