package sluice.transit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** {@link DayCounts} as stored in the spool's state family: a small JSON object per domain-day. */
final class DayCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DayCodec() {}

    static byte[] encode(DayCounts c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("day", c.day().toString());
        o.put("domain", c.domain());
        ArrayNode ps = o.putArray("policies");
        for (DayCounts.Policy p : c.policies()) {
            ObjectNode n = ps.addObject();
            n.put("type", p.type());
            ArrayNode s = n.putArray("strings");
            p.strings().forEach(s::add);
            n.put("mx", p.mxHost());
            n.put("ok", p.successes());
            n.put("failed", p.failures());
            ArrayNode ds = n.putArray("details");
            for (DayCounts.Failure f : p.details()) {
                ObjectNode d = ds.addObject();
                d.put("result", f.type().name());
                d.put("sending", f.sendingIp());
                d.put("receiving", f.receivingIp());
                d.put("mx", f.mxHost());
                d.put("reason", f.reason());
                d.put("count", f.count());
            }
        }
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @throws IllegalArgumentException for anything but what {@link #encode} writes */
    static DayCounts decode(byte[] bytes) {
        try {
            JsonNode o = JSON.readTree(bytes);
            List<DayCounts.Policy> policies = new ArrayList<>();
            for (JsonNode n : array(o, "policies")) {
                List<String> strings = new ArrayList<>();
                for (JsonNode s : array(n, "strings")) strings.add(s.asText());
                List<DayCounts.Failure> details = new ArrayList<>();
                for (JsonNode d : array(n, "details")) {
                    details.add(new DayCounts.Failure(ResultType.valueOf(text(d, "result")), optional(d, "sending"),
                            optional(d, "receiving"), optional(d, "mx"), optional(d, "reason"), count(d, "count")));
                }
                policies.add(new DayCounts.Policy(text(n, "type"), strings, text(n, "mx"), count(n, "ok"),
                        count(n, "failed"), details));
            }
            return new DayCounts(LocalDate.parse(text(o, "day")), text(o, "domain"), policies);
        } catch (IOException | DateTimeParseException | NullPointerException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static Iterable<JsonNode> array(JsonNode o, String field) {
        JsonNode a = o.get(field);
        if (a == null || !a.isArray()) throw new IllegalArgumentException("no array " + field);
        return a;
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) throw new IllegalArgumentException("no text " + field);
        return v.asText();
    }

    private static String optional(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static long count(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.canConvertToLong() || v.asLong() < 0) throw new IllegalArgumentException("no count " + field);
        return v.asLong();
    }
}
