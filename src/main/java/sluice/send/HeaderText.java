package sluice.send;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Header field text: RFC 2047 encoded-words for non-ASCII text, RFC 5322 quoted strings for display names with
 * specials, and folding at spaces so that lines stay within 78 characters where a space allows it.
 */
final class HeaderText {
    /** Bytes of UTF-8 per encoded-word: 39 bytes are 52 base64 characters, a 64-character word that fits a line with its field name. */
    private static final int WORD_BYTES = 39;
    private static final int FOLD_AT = 78;

    private HeaderText() {}

    static boolean isPrintableAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) return false;
        }
        return true;
    }

    /**
     * Unstructured text (a Subject): as it is when printable ASCII whose words can be folded onto lines of 78, else
     * encoded-words separated by spaces (each at most 75 characters, RFC 2047 2), which fold between them: a
     * 5,000-character word would otherwise make a line longer than the 998 octets RFC 5322 2.1.1 allows.
     */
    static String unstructured(String text) {
        return plain(text) ? text : encodedWords(text);
    }

    /** Printable ASCII, no text that reads as an encoded-word, and no word too long to fold onto a line of its own. */
    private static boolean plain(String text) {
        if (!isPrintableAscii(text) || text.contains("=?")) return false;
        for (String word : text.split(" ")) {
            if (word.length() > FOLD_AT - 2) return false; // a continuation line is SP + word
        }
        return true;
    }

    /** A display name: atoms as they are, a quoted string when it has specials, encoded-words when not ASCII. */
    static String phrase(String name) {
        if (!plain(name)) return encodedWords(name);
        boolean atoms = name.chars().allMatch(c -> c == ' ' || Character.isLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0);
        return atoms ? name : "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Base64 encoded-words, each whole UTF-8 characters only (RFC 2047 5: a word never splits a character). */
    static String encodedWords(String text) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            int end = i;
            int bytes = 0;
            while (end < text.length()) {
                int cp = text.codePointAt(end);
                int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
                if (bytes + n > WORD_BYTES) break;
                bytes += n;
                end += Character.charCount(cp);
            }
            if (!out.isEmpty()) out.append(' ');
            out.append("=?UTF-8?B?").append(Base64.getEncoder().encodeToString(
                    text.substring(i, end).getBytes(StandardCharsets.UTF_8))).append("?=");
            i = end;
        }
        return out.toString();
    }

    /** {@code Name: value} with CRLF, folded before spaces to keep lines within 78 characters where possible. */
    static String field(String name, String value) {
        StringBuilder out = new StringBuilder(name.length() + value.length() + 8);
        StringBuilder line = new StringBuilder(name).append(':');
        boolean hasWord = false;
        for (String word : value.split(" ", -1)) {
            // Before the first word too when it would not fit after the name: "Subject:" CRLF SP word is valid FWS.
            if ((hasWord || !word.isEmpty()) && line.length() + 1 + word.length() > FOLD_AT) {
                out.append(line).append("\r\n");
                line.setLength(0);
            }
            line.append(' ').append(word);
            hasWord = true;
        }
        return out.append(line).append("\r\n").toString();
    }
}
