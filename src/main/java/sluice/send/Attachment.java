package sluice.send;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One member of {@code attachments}: {@code {"filename", "content_type", "content": BASE64}}, and {@code content_id}
 * for inline content (an image the html shows as {@code <img src="cid:ID">}). The file name loses
 * any directory part (a recipient's mail client must not be offered {@code ../../.bashrc}); control characters in
 * it, a content type that is not {@code type/subtype[; param=value]...}, and content that is not base64 are errors.
 */
record Attachment(String filename, String contentType, byte[] content, String contentId) {
    static final int MAX_ATTACHMENTS = 100;
    /** UTF-8 bytes of a file name: percent-encoded (RFC 2231) it still fits on one header line. */
    static final int MAX_FILENAME_BYTES = 200;
    private static final String TOKEN = "[A-Za-z0-9!#$&^_.+-]{1,64}";
    private static final Pattern CONTENT_TYPE = Pattern.compile(
            TOKEN + "/" + TOKEN + "(\\s*;\\s*" + TOKEN + "=(" + TOKEN + "|\"[\\x20-\\x7e&&[^\"\\\\]]{0,200}\"))*");
    private static final Pattern CONTENT_ID = Pattern.compile("[\\x21-\\x7e&&[^<>\"\\\\()\\[\\],;:]]{1,200}");
    private static final List<String> KNOWN = List.of("filename", "content_type", "content", "content_id");
    private static final Pattern WHITESPACE = Pattern.compile("[\\r\\n\\t ]+");

    /** All attachments of the request; each problem is noted in {@code p} with its member's path. */
    static List<Attachment> readAll(JsonNode n, JsonRequest.Problems p) {
        if (n.isMissingNode() || n.isNull()) return List.of();
        if (!n.isArray() || n.size() > MAX_ATTACHMENTS) {
            p.add("attachments", "must be an array of at most " + MAX_ATTACHMENTS + " {\"filename\", \"content_type\", \"content\"} objects");
            return List.of();
        }
        List<Attachment> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            String at = "attachments[" + i + "]";
            JsonNode a = n.get(i);
            if (!a.isObject()) {
                p.add(at, "must be an object {\"filename\", \"content_type\", \"content\": BASE64}");
                continue;
            }
            for (var name : (Iterable<String>) a::fieldNames) {
                if (!KNOWN.contains(name)) {
                    p.add(at + "." + name, "unknown field (known: " + String.join(", ", KNOWN) + ")");
                }
            }
            String filename = read(p, at + ".filename", a.path("filename"), Attachment::filename);
            String type = a.path("content_type").isMissingNode() || a.path("content_type").isNull() ? "application/octet-stream"
                    : read(p, at + ".content_type", a.path("content_type"), Attachment::contentType);
            byte[] content = read(p, at + ".content", a.path("content"), Attachment::content);
            String cid = a.path("content_id").isMissingNode() || a.path("content_id").isNull() ? ""
                    : read(p, at + ".content_id", a.path("content_id"), Attachment::contentId);
            if (filename != null && type != null && content != null && cid != null) {
                out.add(new Attachment(filename, type, content, cid.isEmpty() ? null : cid));
            }
        }
        return out;
    }

    @FunctionalInterface
    private interface Check<T> {
        T apply(String value) throws IllegalArgumentException;
    }

    private static <T> T read(JsonRequest.Problems p, String field, JsonNode n, Check<T> check) {
        if (!n.isTextual()) {
            p.add(field, "required, a string");
            return null;
        }
        try {
            return check.apply(n.asText());
        } catch (IllegalArgumentException e) {
            p.add(field, e.getMessage());
            return null;
        }
    }

    /** The name without any directory part; refused when it has control characters or nothing is left. */
    static String filename(String given) {
        for (int i = 0; i < given.length(); i++) {
            char c = given.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException("must not contain control characters (found 0x"
                        + String.format("%02x", (int) c) + " at position " + i + ")");
            }
        }
        String name = given.substring(Math.max(given.lastIndexOf('/'), given.lastIndexOf('\\')) + 1).strip();
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("no file name is left once the directory part is removed (\"" + given + "\")");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_FILENAME_BYTES) {
            throw new IllegalArgumentException("longer than " + MAX_FILENAME_BYTES + " bytes of UTF-8");
        }
        return name;
    }

    static String contentType(String given) {
        String t = given.strip();
        if (!CONTENT_TYPE.matcher(t).matches()) {
            throw new IllegalArgumentException("\"" + given + "\" is not a content type such as application/pdf or text/csv; charset=utf-8");
        }
        String lower = t.toLowerCase(Locale.ROOT);
        if (lower.startsWith("multipart/") || lower.startsWith("message/")) {
            throw new IllegalArgumentException("multipart/* and message/* cannot be attached as base64; send a message/rfc822 body instead");
        }
        return t;
    }

    /** The id as the html names it after "cid:" (angle brackets around it are dropped). */
    static String contentId(String given) {
        String id = given.startsWith("<") && given.endsWith(">") ? given.substring(1, given.length() - 1) : given;
        if (!CONTENT_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("\"" + given + "\" is not a content id such as logo@example.com (ASCII, no spaces or brackets)");
        }
        return id;
    }

    boolean inline() {
        return contentId != null;
    }

    static byte[] content(String base64) {
        try {
            return Base64.getDecoder().decode(WHITESPACE.matcher(base64).replaceAll(""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not valid base64 (RFC 4648, standard alphabet, padded): " + e.getMessage());
        }
    }

    /** Type and subtype, lower case, without parameters. */
    String mimeType() {
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    }
}
