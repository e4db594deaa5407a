package sluice.spool;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the {@link QueueFacts} of stored envelopes one after another, for one thread of the scan at start. One
 * non-blocking Jackson parser is fed every record in turn: making a parser per record (its context, buffers and
 * name table) was half of the bytes a 1M-message scan allocated, and that garbage drove the young collections that
 * took a third of the scan. Each record must hold exactly one whole object: one cut short, or followed by anything,
 * is refused as unreadable with its id (it could otherwise run on into the next record).
 *
 * <p>Like {@link EnvelopeCodec#decode}, it reads every token and checks the version and each recipient's state, so
 * a record the full decode would refuse is refused here too, when the spool is opened rather than at delivery.
 */
final class FactsReader implements AutoCloseable {
    private final JsonParser p;
    private final ByteArrayFeeder feeder;

    FactsReader() {
        try {
            p = EnvelopeCodec.JSON.getFactory().createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new IllegalStateException("cannot make a JSON parser", e);
        }
        feeder = (ByteArrayFeeder) p.getNonBlockingInputFeeder();
    }

    /** The facts of the record {@code bytes[0, length)} of message {@code id}. */
    QueueFacts read(String id, byte[] bytes, int length) throws SpoolException {
        try {
            feeder.feedInput(bytes, 0, length);
            expect(next(), JsonToken.START_OBJECT);
            int version = 0;
            boolean held = false;
            Instant nextAttempt = null;
            List<String> pending = new ArrayList<>(2);
            for (JsonToken top = next(); top != JsonToken.END_OBJECT; top = next()) {
                expect(top, JsonToken.FIELD_NAME);
                String field = p.currentName();
                JsonToken t = next();
                switch (field) {
                    case "v" -> version = p.getValueAsInt();
                    case "rcpts" -> {
                        if (t == JsonToken.START_ARRAY) readRecipients(pending);
                        else skip(t);
                    }
                    case "queue" -> {
                        if (t != JsonToken.START_OBJECT) {
                            skip(t);
                            continue;
                        }
                        for (JsonToken f = next(); f != JsonToken.END_OBJECT; f = next()) {
                            expect(f, JsonToken.FIELD_NAME);
                            String name = p.currentName();
                            JsonToken v = next();
                            if (name.equals("held")) held = p.getValueAsBoolean();
                            else if (name.equals("next")) nextAttempt = Instant.ofEpochMilli(p.getValueAsLong());
                            else skip(v);
                        }
                    }
                    default -> skip(t);
                }
            }
            // the record ends here: the parser must want more input, having used all of this record
            if (p.nextToken() != JsonToken.NOT_AVAILABLE) throw new IOException("content after the envelope");
            if (version != EnvelopeCodec.VERSION) throw new SpoolException("message " + id + ": unknown record version");
            return new QueueFacts(id, held, nextAttempt, pending);
        } catch (IOException | IllegalArgumentException ex) {
            throw new SpoolException("message " + id + ": unreadable envelope: " + ex.getMessage(), ex);
        }
    }

    private void readRecipients(List<String> pending) throws IOException {
        for (JsonToken r = next(); r != JsonToken.END_ARRAY; r = next()) {
            expect(r, JsonToken.START_OBJECT); // anything else has no state: the full decode refuses it too
            String addr = "";
            RecipientState state = null;
            for (JsonToken f = next(); f != JsonToken.END_OBJECT; f = next()) {
                expect(f, JsonToken.FIELD_NAME);
                String name = p.currentName();
                JsonToken v = next();
                if (name.equals("addr")) addr = p.getValueAsString("");
                else if (name.equals("state")) state = state(v);
                else skip(v);
            }
            if (state == null) throw new IllegalArgumentException("a recipient without a state");
            if (state == RecipientState.PENDING) pending.add(addr);
        }
    }

    private static final RecipientState[] STATES = RecipientState.values();

    /** The state named by the current value, matched in the parser's buffer (no string made); as strict as valueOf. */
    private RecipientState state(JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_STRING) {
            char[] text = p.getTextCharacters();
            int off = p.getTextOffset(), len = p.getTextLength();
            for (RecipientState s : STATES) {
                if (named(s.name(), text, off, len)) return s;
            }
        }
        skip(t);
        throw new IllegalArgumentException("no recipient state " + p.getText());
    }

    private static boolean named(String name, char[] text, int off, int len) {
        if (name.length() != len) return false;
        for (int i = 0; i < len; i++) {
            if (name.charAt(i) != text[off + i]) return false;
        }
        return true;
    }

    /** The next token of this record; running out of it inside the object means the record was cut short. */
    private JsonToken next() throws IOException {
        JsonToken t = p.nextToken();
        if (t == JsonToken.NOT_AVAILABLE || t == null) throw new IOException("the envelope ends too early");
        return t;
    }

    /** Skips the value that starts with {@code t} (an object or array with all it holds). */
    private void skip(JsonToken t) throws IOException {
        if (t != JsonToken.START_OBJECT && t != JsonToken.START_ARRAY) return;
        int depth = 1;
        while (depth > 0) {
            JsonToken n = next();
            if (n == JsonToken.START_OBJECT || n == JsonToken.START_ARRAY) depth++;
            else if (n == JsonToken.END_OBJECT || n == JsonToken.END_ARRAY) depth--;
        }
    }

    private static void expect(JsonToken got, JsonToken wanted) throws IOException {
        if (got != wanted) throw new IOException("expected " + wanted + ", found " + got);
    }

    @Override
    public void close() {
        try {
            p.close();
        } catch (IOException ignored) {
            // nothing was written
        }
    }
}
