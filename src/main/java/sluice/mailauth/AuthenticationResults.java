package sluice.mailauth;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The Authentication-Results header field of RFC 8601: building ours, removing forged copies of ours. */
public final class AuthenticationResults {
    private static final String FIELD = "Authentication-Results";
    private static final String TSPECIALS = "()<>@,;:\\\"/[]?=";

    private AuthenticationResults() {}

    /**
     * The field to prepend, folded one method per line and ending in CRLF. A null {@code spf} or {@code dmarc}
     * means not checked and is left out; an empty {@code dkim} list is reported as dkim=none. SPF's identity is
     * reported as smtp.mailfrom (for a null reverse path that is the HELO name, as RFC 7208 2.4 checks it).
     */
    public static String header(String authservId, SpfResult spf, List<DkimOutcome> dkim, DmarcResult dmarc) {
        List<String> methods = new ArrayList<>();
        if (spf != null) {
            methods.add("spf=" + spf.result().keyword() + property("smtp.mailfrom", spf.domain()));
        }
        if (dkim.isEmpty()) {
            methods.add("dkim=none");
        }
        for (DkimOutcome outcome : dkim) {
            methods.add("dkim=" + outcome.result().toLowerCase(Locale.ROOT) + property("header.d", outcome.domain())
                    + property("header.s", outcome.selector()));
        }
        if (dmarc != null) {
            String comment = dmarc.result() == DmarcResult.Result.FAIL ? " (disposition=" + dmarc.policy() + ")" : "";
            methods.add("dmarc=" + dmarc.result().keyword() + comment + property("header.from", dmarc.fromDomain()));
        }
        return FIELD + ": " + authservId + ";\r\n\t" + String.join(";\r\n\t", methods) + "\r\n";
    }

    /**
     * {@code message} without the Authentication-Results fields of its header section whose authserv-id is
     * {@code authservId} (case-insensitive): a sender may not claim our verdicts (RFC 8601 5). Others stay.
     */
    public static byte[] removeForged(byte[] message, String authservId) {
        String text = new String(message, StandardCharsets.ISO_8859_1); // byte-for-byte
        int headerEnd = headerEnd(text);
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length);
        int fieldStart = 0;
        while (fieldStart < headerEnd) {
            int fieldEnd = fieldEnd(text, fieldStart, headerEnd);
            String field = text.substring(fieldStart, fieldEnd);
            if (!isOurs(field, authservId)) {
                out.writeBytes(field.getBytes(StandardCharsets.ISO_8859_1));
            }
            fieldStart = fieldEnd;
        }
        out.write(message, headerEnd, message.length - headerEnd);
        return out.toByteArray();
    }

    private static String property(String name, String value) {
        if (value == null || value.isEmpty()) {
            return "";
        }
        return " " + name + "=" + (isToken(value) ? value : quoted(value));
    }

    private static boolean isToken(String value) {
        return value.chars().allMatch(c -> c > 0x20 && c < 0x7f && TSPECIALS.indexOf(c) < 0);
    }

    private static String quoted(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Offset of the empty line ending the header section (the body and that line are kept), or the length. */
    private static int headerEnd(String text) {
        int lineStart = 0;
        while (lineStart < text.length()) {
            if (text.startsWith("\r\n", lineStart) || text.startsWith("\n", lineStart)) {
                return lineStart;
            }
            int newline = text.indexOf('\n', lineStart);
            if (newline < 0) {
                return text.length();
            }
            lineStart = newline + 1;
        }
        return text.length();
    }

    /** The end of the field starting at {@code start}: its first line plus continuation lines (leading SP/HT). */
    private static int fieldEnd(String text, int start, int limit) {
        int end = start;
        do {
            int newline = text.indexOf('\n', end);
            end = newline < 0 || newline >= limit ? limit : newline + 1;
        } while (end < limit && (text.charAt(end) == ' ' || text.charAt(end) == '\t'));
        return end;
    }

    private static boolean isOurs(String field, String authservId) {
        int colon = field.indexOf(':');
        if (colon < 0 || !field.substring(0, colon).strip().equalsIgnoreCase(FIELD)) {
            return false;
        }
        String value = field.substring(colon + 1).replace("\r", "").replace("\n", "");
        return authservId.equalsIgnoreCase(firstValue(value));
    }

    /** The authserv-id: the first token or quoted-string after comments and whitespace (RFC 8601 2.2). */
    static String firstValue(String value) {
        int i = skipCfws(value, 0);
        if (i < value.length() && value.charAt(i) == '"') {
            StringBuilder quoted = new StringBuilder();
            for (i++; i < value.length() && value.charAt(i) != '"'; i++) {
                if (value.charAt(i) == '\\' && i + 1 < value.length()) {
                    i++;
                }
                quoted.append(value.charAt(i));
            }
            return quoted.toString();
        }
        int start = i;
        while (i < value.length() && " \t;(".indexOf(value.charAt(i)) < 0) {
            i++;
        }
        return value.substring(start, i);
    }

    private static int skipCfws(String value, int from) {
        int i = from;
        int depth = 0;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (c == '\\' && depth > 0) {
                i++;
            } else if (depth == 0 && c != ' ' && c != '\t') {
                break;
            }
            i++;
        }
        return i;
    }
}
