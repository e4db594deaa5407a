package sluice.send;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * JSON request bodies read with limits that follow the config, not Jackson's defaults: a string may be as long as
 * the largest request ({@code text} of a message at {@code max_message_size}; Jackson's default stops at 20 M
 * characters), nesting stays shallow (no request needs more than a few levels) and numbers short. Every refusal is
 * a 400 whose text names the problem in words, never a parser class.
 */
public final class StrictJson {
    /** Deep enough for any request Sluice takes (batches with variables are 4 levels); far below a stack's reach. */
    public static final int MAX_NESTING = 64;
    /** Digits in one number; no member is a number longer than a count. */
    public static final int MAX_NUMBER_LENGTH = 100;

    private final ObjectMapper mapper;
    private final long maxBytes;

    /** @param maxBytes the largest body, and so the longest string, accepted */
    public StrictJson(long maxBytes) {
        this.maxBytes = maxBytes;
        int longest = (int) Math.min(Integer.MAX_VALUE - 16, maxBytes);
        StreamReadConstraints limits = StreamReadConstraints.builder()
                .maxStringLength(longest)
                .maxNestingDepth(MAX_NESTING)
                .maxNumberLength(MAX_NUMBER_LENGTH)
                .maxDocumentLength(maxBytes)
                .build();
        JsonFactory factory = JsonFactory.builder().streamReadConstraints(limits)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        this.mapper = new ObjectMapper(factory);
    }

    /** The tree of {@code body}; an empty body is JSON {@code null}. */
    public JsonNode read(byte[] body) throws Invalid {
        try {
            JsonNode root = mapper.readTree(body);
            return root == null ? mapper.nullNode() : root;
        } catch (StreamConstraintsException e) {
            throw new Invalid(400, "the body is not acceptable JSON: " + limitExceeded(e.getMessage()));
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new Invalid(400, "the body is not valid JSON" + (at == null ? "" : " (line " + at.getLineNr()
                    + ", column " + at.getColumnNr() + ")") + ": " + reason(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new Invalid(400, "the body is not valid JSON");
        }
    }

    /** Which limit, in words (Jackson's own text names its classes and methods). */
    private String limitExceeded(String message) {
        String m = message == null ? "" : message.toLowerCase(java.util.Locale.ROOT);
        if (m.contains("nesting depth")) return "nested deeper than " + MAX_NESTING + " levels";
        if (m.contains("number value length")) return "a number longer than " + MAX_NUMBER_LENGTH + " digits";
        if (m.contains("string value length")) return "a string longer than the largest request (" + maxBytes + " characters)";
        if (m.contains("name length")) return "a member name that is too long";
        if (m.contains("document length")) return "longer than the largest request (" + maxBytes + " bytes)";
        return "it exceeds a parser limit";
    }

    /** The first sentence of the parser's complaint, without the location and source details it appends. */
    private static String reason(String message) {
        if (message == null || message.isBlank()) return "malformed";
        String r = message.lines().findFirst().orElse("").strip();
        for (String cut : new String[] {" (start marker", " at [Source", ": was expecting", " (for "}) {
            int i = r.indexOf(cut);
            if (i > 0) r = r.substring(0, i);
        }
        return r.length() > 200 ? r.substring(0, 200) + "…" : r;
    }
}
