package sluice.spool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The stored form of an envelope and its queue state: versioned JSON, instants as epoch milliseconds. */
final class EnvelopeCodec {
    // Jackson's default buffer recycling is per thread; sessions are short-lived virtual threads, so every
    // message would allocate fresh buffers. A shared pool recycles them across threads.
    static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .recyclerPool(com.fasterxml.jackson.core.util.JsonRecyclerPools.sharedConcurrentDequePool()).build());
    static final int VERSION = 1;

    private EnvelopeCodec() {}

    /** Streams the JSON (no tree): this runs once per accepted message. */
    static byte[] encode(Envelope e, QueueState s) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256 + 64 * e.recipients().size());
        try (com.fasterxml.jackson.core.JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("v", VERSION);
            g.writeStringField("sender", e.sender());
            g.writeNumberField("received", e.received().toEpochMilli());
            g.writeNumberField("size", e.size());
            g.writeArrayFieldStart("rcpts");
            for (Recipient r : e.recipients()) {
                g.writeStartObject();
                g.writeStringField("addr", r.address());
                if (r.orcpt() != null) g.writeStringField("orcpt", r.orcpt());
                if (r.notifyOn() != null) g.writeStringField("notify", r.notifyOn());
                g.writeStringField("state", r.state().name());
                g.writeNumberField("attempts", r.attempts());
                if (r.lastError() != null) g.writeStringField("error", r.lastError());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("attrs");
            for (Map.Entry<String, String> a : e.attributes().entrySet()) g.writeStringField(a.getKey(), a.getValue());
            g.writeEndObject();
            if (e.pool() != null) g.writeStringField("pool", e.pool());
            // absent means DEFAULT, so records written before REQUIRETLS read back unchanged
            if (e.requireTls()) g.writeBooleanField("requiretls", true);
            if (e.tlsOptional()) g.writeBooleanField("tls_optional", true);
            g.writeObjectFieldStart("queue");
            g.writeBooleanField("held", s.held());
            if (s.nextAttempt() != null) g.writeNumberField("next", s.nextAttempt().toEpochMilli());
            g.writeNumberField("attempts", s.attempts());
            if (s.lastError() != null) g.writeStringField("error", s.lastError());
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException ex) {
            throw new IllegalStateException("cannot encode envelope", ex);
        }
        return out.toByteArray();
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
                    o.path("size").asLong(), attrs, text(o, "pool"),
                    TlsRequest.of(o.path("requiretls").asBoolean(false), o.path("tls_optional").asBoolean(false)));
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
