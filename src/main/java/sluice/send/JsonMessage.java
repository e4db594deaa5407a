package sluice.send;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import sluice.smtp.AddressList;
import sluice.smtp.Mailbox;
import sluice.smtp.Originators;

/**
 * The JSON body of the send API, made into an RFC 5322 / MIME message:
 * {@code {"from", "to", "cc", "bcc", "reply_to", "subject", "text", "html", "headers", "pool"}}. Addresses are strings
 * ({@code "a@x"} or {@code "Name <a@x>"}); to, cc, bcc and reply_to may also be arrays of them. One of text and
 * html is required; both make a multipart/alternative. Bcc recipients go only into the envelope.
 */
final class JsonMessage {
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final DateTimeFormatter RFC5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
    private static final Set<String> FIELDS = Set.of("from", "to", "cc", "bcc", "reply_to", "subject", "text", "html", "headers", "pool");
    /** Fields the request sets by its own members, or Sluice sets; "headers" may not set them (nor any Content-*). */
    private static final Set<String> RESERVED = Set.of("from", "to", "cc", "bcc", "reply-to", "subject", "date", "mime-version",
            "received", "dkim-signature", "return-path", "sender");
    /**
     * Structured fields "headers" may set: written as given, so they must be printable ASCII (an encoded-word would
     * change their meaning) and fold at their spaces. Resent-From and Resent-Sender are then checked by may-send-as.
     */
    private static final Set<String> STRUCTURED = Set.of("message-id", "in-reply-to", "references");

    private JsonMessage() {}

    /** With the default limits of a 25 MiB message (tests, tools); the send API passes its configured reader. */
    static Outgoing parse(byte[] body, Stamp stamp) throws Invalid {
        return parse(new StrictJson(50L << 20).read(body), stamp);
    }

    static Outgoing parse(JsonNode root, Stamp stamp) throws Invalid {
        if (root == null || !root.isObject()) throw new Invalid(400, "the body must be a JSON object");
        for (var name : (Iterable<String>) root::fieldNames) {
            if (!FIELDS.contains(name)) throw Invalid.field(name, "unknown field (known: from, to, cc, bcc, reply_to, subject, text, html, headers, pool)");
        }
        if (!root.path("from").isTextual()) throw Invalid.field("from", "required, a string such as \"Name <you@example.com>\"");
        NamedAddress from = single(oneLine(root.get("from").asText(), "from"), "from");
        List<NamedAddress> to = list(root, "to");
        List<NamedAddress> cc = list(root, "cc");
        List<NamedAddress> bcc = list(root, "bcc");
        List<NamedAddress> replyTo = list(root, "reply_to");
        if (to.isEmpty() && cc.isEmpty() && bcc.isEmpty()) throw Invalid.field("to", "at least one recipient is required (to, cc or bcc)");
        String subject = text(root, "subject");
        String text = text(root, "text");
        String html = text(root, "html");
        String pool = text(root, "pool");
        if (text == null && html == null) throw Invalid.field("text", "one of \"text\" and \"html\" is required");
        Map<String, String> headers = headers(root.path("headers"));
        String messageId = headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("message-id"))
                .map(Map.Entry::getValue).findFirst().orElse(stamp.messageId());

        StringBuilder m = new StringBuilder(512);
        m.append(HeaderText.field("From", from.header()));
        if (!to.isEmpty()) m.append(HeaderText.field("To", joined(to)));
        if (!cc.isEmpty()) m.append(HeaderText.field("Cc", joined(cc)));
        if (!replyTo.isEmpty()) m.append(HeaderText.field("Reply-To", joined(replyTo)));
        if (subject != null) m.append(HeaderText.field("Subject", HeaderText.unstructured(subject)));
        m.append("Date: ").append(RFC5322.format(stamp.date())).append("\r\n");
        if (headers.keySet().stream().noneMatch(k -> k.equalsIgnoreCase("message-id"))) {
            m.append("Message-ID: ").append(messageId).append("\r\n");
        }
        headers.forEach((k, v) -> m.append(HeaderText.field(k, structured(k.toLowerCase(Locale.ROOT)) ? v : HeaderText.unstructured(v))));
        m.append("MIME-Version: 1.0\r\n");
        if (text != null && html != null) {
            String b = stamp.boundary();
            m.append("Content-Type: multipart/alternative;\r\n boundary=\"").append(b).append("\"\r\n\r\n");
            m.append("--").append(b).append("\r\n");
            part(m, "text/plain", text);
            m.append("\r\n--").append(b).append("\r\n");
            part(m, "text/html", html);
            m.append("\r\n--").append(b).append("--\r\n");
        } else {
            part(m, text != null ? "text/plain" : "text/html", text != null ? text : html);
        }
        List<Mailbox> recipients = new ArrayList<>();
        Map<String, Boolean> seen = new LinkedHashMap<>();
        for (List<NamedAddress> l : List.of(to, cc, bcc)) {
            for (NamedAddress a : l) {
                if (seen.putIfAbsent(a.mailbox().address().toLowerCase(Locale.ROOT), true) == null) recipients.add(a.mailbox());
            }
        }
        byte[] data = m.toString().getBytes(StandardCharsets.UTF_8);
        // The originators are read from the message as composed, by the parser every door uses: what is checked and
        // signed is what recipients get, including a Resent-From given in "headers".
        return new Outgoing(from.mailbox(), recipients, Originators.parse(data), data, messageId, pool);
    }

    private static void part(StringBuilder m, String type, String content) {
        BodyEncoding e = BodyEncoding.of(content);
        m.append("Content-Type: ").append(type).append("; charset=utf-8\r\n");
        m.append("Content-Transfer-Encoding: ").append(e.transferEncoding()).append("\r\n\r\n");
        m.append(e.body());
    }

    private static String joined(List<NamedAddress> list) {
        return String.join(", ", list.stream().map(NamedAddress::header).toList());
    }

    /**
     * {@code value} when it has no control characters: a CR LF in a member that becomes a header field or an address
     * would start a new field, or (with a colon) turn an address into a group and silently change the recipient.
     */
    private static String oneLine(String value, String field) throws Invalid {
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
        List<NamedAddress> out = new ArrayList<>();
        if (n.isTextual()) {
            try {
                return AddressList.parse(oneLine(n.asText(), field)).stream().map(NamedAddress::of).toList();
            } catch (IllegalArgumentException e) {
                throw Invalid.field(field, e.getMessage());
            }
        }
        if (!n.isArray()) throw Invalid.field(field, "must be an address or an array of addresses");
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isTextual()) throw Invalid.field(field + "[" + i + "]", "must be a string");
            out.add(single(n.get(i).asText(), field + "[" + i + "]"));
        }
        return out;
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
                if (!HeaderText.isPrintableAscii(value)) throw Invalid.field(field, "must be ASCII (it is not encoded)");
                for (String word : value.split(" ")) {
                    if (word.length() > 900) throw Invalid.field(field, "has a word too long for one header line");
                }
            }
            out.put(name, value);
        }
        return out;
    }

    /** Written as given: the STRUCTURED fields, Resent-* (addresses, read back by may-send-as) and List-* (URLs). */
    private static boolean structured(String lowerName) {
        return STRUCTURED.contains(lowerName) || lowerName.startsWith("resent-") || lowerName.startsWith("list-");
    }
}
