package sluice.send;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import sluice.smtp.AddressList;

/**
 * The JSON body of the send API, read and checked before anything is built or queued: {@code {"from", "to", "cc",
 * "bcc", "reply_to", "subject", "text", "html", "headers", "pool", "attachments", "list_unsubscribe",
 * "recipients", "require_tls"}}. Every member is checked, and all problems are reported together (up to {@link #MAX_ERRORS}), each
 * with the path of its member, so a client fixes its request in one round.
 *
 * @param batch the {@code recipients} of a batch (each its own message, the texts personalised), or null
 * @param requireTls {@code "require_tls": true}: sent as with SMTP's REQUIRETLS (RFC 8689)
 */
record JsonRequest(NamedAddress from, List<NamedAddress> to, List<NamedAddress> cc, List<NamedAddress> bcc,
                   List<NamedAddress> replyTo, Content content, Map<String, String> headers, String pool,
                   List<Attachment> attachments, List<BatchRecipient> batch, boolean requireTls) {
    /** The most recipients one batch request may name: bigger campaigns are several requests. */
    static final int MAX_BATCH = 1000;
    static final int MAX_ERRORS = 100;
    static final String KNOWN = "from, to, cc, bcc, reply_to, subject, text, html, headers, pool, attachments, "
            + "list_unsubscribe, recipients, require_tls";
    private static final Set<String> FIELDS = Set.of(KNOWN.split(", "));
    /** Fields the request sets by its own members, or Sluice sets; "headers" may not set them (nor any Content-*). */
    private static final Set<String> RESERVED = Set.of("from", "to", "cc", "bcc", "reply-to", "subject", "date", "mime-version",
            "received", "dkim-signature", "return-path", "sender");
    /**
     * Structured fields "headers" may set: written as given, so they must be printable ASCII (an encoded-word would
     * change their meaning) and fold at their spaces. Resent-From and Resent-Sender are then checked by may-send-as.
     */
    private static final Set<String> STRUCTURED = Set.of("message-id", "in-reply-to", "references");

    /** One recipient of a batch: its address and the values of its placeholders. */
    record BatchRecipient(NamedAddress to, Map<String, String> variables) {}

    /** The parts of a message that a batch personalises: {{name}} placeholders are filled in these. */
    record Content(String subject, String text, String html, List<String> listUnsubscribe) {}

    JsonRequest {
        to = List.copyOf(to);
        cc = List.copyOf(cc);
        bcc = List.copyOf(bcc);
        replyTo = List.copyOf(replyTo);
        attachments = List.copyOf(attachments);
    }

    /** Problems found so far, bounded: a request with 1,000 bad recipients gets the first 100. */
    static final class Problems {
        private final List<FieldError> errors = new ArrayList<>();

        void add(String field, String message) {
            if (errors.size() < MAX_ERRORS) errors.add(new FieldError(field, message));
        }

        void add(Invalid e) {
            if (e.status != 400) return;
            for (FieldError f : e.errors) add(f.field(), f.message());
            if (e.errors.isEmpty()) add("", e.getMessage());
        }

        boolean any() {
            return !errors.isEmpty();
        }

        void throwIfAny() throws Invalid {
            if (any()) throw Invalid.fields(errors);
        }
    }

    @FunctionalInterface
    private interface Reader<T> {
        T read() throws Invalid;
    }

    /** {@code reader}'s value, or {@code fallback} with its problem noted: one bad member does not hide the next. */
    private static <T> T member(Problems p, T fallback, Reader<T> reader) {
        try {
            return reader.read();
        } catch (Invalid e) {
            p.add(e);
            return fallback;
        }
    }

    static JsonRequest read(JsonNode root) throws Invalid {
        if (root == null || !root.isObject()) throw new Invalid(400, "the body must be a JSON object");
        Problems p = new Problems();
        for (var name : (Iterable<String>) root::fieldNames) {
            if (!FIELDS.contains(name)) p.add(name, "unknown field (known: " + KNOWN + ")");
        }
        NamedAddress from = member(p, null, () -> {
            if (!root.path("from").isTextual()) throw Invalid.field("from", "required, a string such as \"Name <you@example.com>\"");
            return single(root.get("from").asText(), "from");
        });
        List<NamedAddress> to = member(p, List.of(), () -> list(root, "to"));
        List<NamedAddress> cc = member(p, List.of(), () -> list(root, "cc"));
        List<NamedAddress> bcc = member(p, List.of(), () -> list(root, "bcc"));
        List<NamedAddress> replyTo = member(p, List.of(), () -> list(root, "reply_to"));
        String subject = member(p, null, () -> text(root, "subject"));
        String text = member(p, null, () -> text(root, "text"));
        String html = member(p, null, () -> text(root, "html"));
        String pool = member(p, null, () -> text(root, "pool"));
        boolean requireTls = member(p, false, () -> flag(root, "require_tls"));
        if (absent(root, "text") && absent(root, "html")) {
            p.add("text", "one of \"text\" and \"html\" is required");
        }
        Map<String, String> headers = member(p, Map.of(), () -> headers(root.path("headers")));
        List<String> unsubscribe = member(p, List.of(), () -> ListUnsubscribe.read(root.path("list_unsubscribe")));
        if (!unsubscribe.isEmpty() && headers.keySet().stream().anyMatch(k -> k.toLowerCase(Locale.ROOT).startsWith("list-unsubscribe"))) {
            p.add("headers.List-Unsubscribe", "given by \"list_unsubscribe\" already; use one or the other");
        }
        List<Attachment> attachments = Attachment.readAll(root.path("attachments"), p);
        Content content = new Content(subject, text, html, unsubscribe);
        List<BatchRecipient> batch = batch(root, p, new Personalisation(content));
        if (batch != null) {
            for (String f : List.of("to", "cc", "bcc")) {
                if (!absent(root, f)) {
                    p.add(f, "not with \"recipients\": each recipient gets its own message (recipients[i].to)");
                }
            }
            if (headers.keySet().stream().anyMatch(k -> k.equalsIgnoreCase("message-id"))) {
                p.add("headers.Message-ID", "not with \"recipients\": each message gets its own Message-ID");
            }
        } else if (to.isEmpty() && cc.isEmpty() && bcc.isEmpty() && !p.any()) {
            p.add("to", "at least one recipient is required (to, cc, bcc or recipients)");
        }
        if (batch == null && !unsubscribe.isEmpty()) {
            member(p, null, () -> ListUnsubscribe.header(unsubscribe, "list_unsubscribe"));
        }
        p.throwIfAny();
        return new JsonRequest(from, to, cc, bcc, replyTo, content, headers, pool, attachments, batch, requireTls);
    }

    private static boolean absent(JsonNode root, String field) {
        return root.path(field).isMissingNode() || root.path(field).isNull();
    }

    /** The batch's recipients, each rendered once here so that its missing variables are found with its other problems. */
    private static List<BatchRecipient> batch(JsonNode root, Problems p, Personalisation personal) {
        JsonNode n = root.path("recipients");
        if (n.isMissingNode() || n.isNull()) return null;
        if (!n.isArray() || n.isEmpty()) {
            p.add("recipients", "must be a non-empty array of {\"to\": ADDRESS, \"variables\": {...}}");
            return List.of();
        }
        if (n.size() > MAX_BATCH) {
            p.add("recipients", n.size() + " recipients, more than " + MAX_BATCH + " in one request; send several requests");
            return List.of();
        }
        List<BatchRecipient> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            String at = "recipients[" + i + "]";
            JsonNode r = n.get(i);
            if (!r.isObject()) {
                p.add(at, "must be an object {\"to\": ADDRESS, \"variables\": {...}}");
                continue;
            }
            for (var name : (Iterable<String>) r::fieldNames) {
                if (!name.equals("to") && !name.equals("variables")) p.add(at + "." + name, "unknown field (known: to, variables)");
            }
            NamedAddress to = member(p, null, () -> {
                if (!r.path("to").isTextual()) throw Invalid.field(at + ".to", "required, one address as a string");
                return single(r.get("to").asText(), at + ".to");
            });
            Map<String, String> vars = member(p, null, () -> variables(r.path("variables"), at + ".variables"));
            if (vars != null) personal.render(i, vars, p);
            if (to != null && vars != null) out.add(new BatchRecipient(to, vars));
        }
        return out;
    }

    private static Map<String, String> variables(JsonNode n, String at) throws Invalid {
        Map<String, String> out = new LinkedHashMap<>();
        if (n.isMissingNode() || n.isNull()) return out;
        if (!n.isObject()) throw Invalid.field(at, "must be an object of name to string value");
        for (var e : n.properties()) {
            JsonNode v = e.getValue();
            if (!v.isValueNode() || v.isNull()) throw Invalid.field(at + "." + e.getKey(), "must be a string, number or boolean");
            out.put(e.getKey(), v.asText());
        }
        return out;
    }

    /**
     * {@code value} when it has no control characters: a CR LF in a member that becomes a header field or an address
     * would start a new field, or (with a colon) turn an address into a group and silently change the recipient.
     */
    static String oneLine(String value, String field) throws Invalid {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw Invalid.field(field, "must be one line without control characters (found 0x"
                        + String.format("%02x", (int) c) + " at position " + i + ")");
            }
        }
        return value;
    }

    private static NamedAddress single(String value, String field) throws Invalid {
        try {
            return NamedAddress.of(AddressList.single(oneLine(value, field)));
        } catch (IllegalArgumentException e) {
            throw Invalid.field(field, e.getMessage());
        }
    }

    private static List<NamedAddress> list(JsonNode root, String field) throws Invalid {
        JsonNode n = root.path(field);
        if (n.isMissingNode() || n.isNull()) return List.of();
        if (n.isTextual()) {
            try {
                return AddressList.parse(oneLine(n.asText(), field)).stream().map(NamedAddress::of).toList();
            } catch (IllegalArgumentException e) {
                throw Invalid.field(field, e.getMessage());
            }
        }
        if (!n.isArray()) throw Invalid.field(field, "must be an address or an array of addresses");
        List<NamedAddress> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isTextual()) throw Invalid.field(field + "[" + i + "]", "must be a string");
            out.add(single(n.get(i).asText(), field + "[" + i + "]"));
        }
        return out;
    }

    private static boolean flag(JsonNode root, String field) throws Invalid {
        JsonNode n = root.path(field);
        if (n.isMissingNode() || n.isNull()) return false;
        if (!n.isBoolean()) throw Invalid.field(field, "must be true or false");
        return n.booleanValue();
    }

    private static String text(JsonNode root, String field) throws Invalid {
        JsonNode n = root.path(field);
        if (n.isMissingNode() || n.isNull()) return null;
        if (!n.isTextual()) throw Invalid.field(field, "must be a string");
        return field.equals("subject") ? oneLine(n.asText(), field) : n.asText();
    }

    private static Map<String, String> headers(JsonNode n) throws Invalid {
        Map<String, String> out = new LinkedHashMap<>();
        if (n.isMissingNode() || n.isNull()) return out;
        if (!n.isObject()) throw Invalid.field("headers", "must be an object of header name to string value");
        for (var e : n.properties()) {
            String name = e.getKey();
            String field = "headers." + name;
            if (name.isEmpty() || name.length() > 76 || !name.chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
                throw Invalid.field(field, "not a header field name");
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (RESERVED.contains(lower) || lower.startsWith("content-")) {
                throw Invalid.field(field, "set by the request's own members or by Sluice, not by \"headers\"");
            }
            if (out.keySet().stream().anyMatch(k -> k.equalsIgnoreCase(name))) throw Invalid.field(field, "given twice");
            if (!e.getValue().isTextual()) throw Invalid.field(field, "must be a string");
            String value = oneLine(e.getValue().asText(), field);
            if (lower.equals("message-id") && !value.matches("<[\\x21-\\x7e&&[^<>@]]+@[\\x21-\\x7e&&[^<>@]]+>")) {
                throw Invalid.field(field, "must look like <unique@domain>, in ASCII");
            }
            if (structured(lower)) {
                if (!value.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)) throw Invalid.field(field, "must be ASCII (it is not encoded)");
                for (String word : value.split(" ")) {
                    if (word.length() > 900) throw Invalid.field(field, "has a word too long for one header line");
                }
            }
            out.put(name, value);
        }
        return out;
    }

    /** Written as given: the STRUCTURED fields, Resent-* (addresses, read back by may-send-as) and List-* (URLs). */
    static boolean structured(String lowerName) {
        return STRUCTURED.contains(lowerName) || lowerName.startsWith("resent-") || lowerName.startsWith("list-");
    }
}
