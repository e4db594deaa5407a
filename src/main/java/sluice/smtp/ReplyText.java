package sluice.smtp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Text from elsewhere (a suppression reason, a remote server's reply, an address or EHLO name echoed back)
 * made fit for one SMTP reply line: every run of control characters (CR and LF included, so no text can
 * forge a reply line of its own) becomes one space, and a line is cut so that with its code, enhanced
 * status and CRLF it stays within RFC 5321's 512 octets (4.5.3.1.5). A repair is logged, never silent.
 */
public final class ReplyText {
    private static final Logger log = LoggerFactory.getLogger(ReplyText.class);
    /** RFC 5321 4.5.3.1.5: a reply line, code and CRLF included. */
    public static final int MAX_LINE_OCTETS = 512;
    static final String CUT = "...";

    private ReplyText() {}

    /** The lines of a reply as they may be sent: each clean and within {@link #MAX_LINE_OCTETS}. */
    static List<String> fit(int code, EnhancedStatus status, List<String> lines) {
        // "250-" + "5.7.1 " + text + CRLF
        int room = MAX_LINE_OCTETS - 4 - (status == null ? 0 : status.toString().length() + 1) - 2;
        List<String> out = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String fitted = fit(line, room);
            if (fitted == line) continue; // the common case: nothing to repair, nothing copied
            if (out == null) out = new ArrayList<>(lines);
            out.set(i, fitted);
            log.info("reply {} line {} repaired for the wire: {} octets{} became {} octets", code, i + 1, octets(line),
                    isClean(line) ? "" : " with control characters", octets(fitted));
        }
        return out == null ? lines : out;
    }

    /** {@code text} itself when it needs no repair; else a clean copy of at most {@code maxOctets} UTF-8 octets. */
    public static String fit(String text, int maxOctets) {
        if (isClean(text) && (text.length() * 3 <= maxOctets || octets(text) <= maxOctets)) return text;
        String clean = clean(text);
        if (octets(clean) <= maxOctets) return clean;
        return cut(clean, maxOctets - CUT.length()) + CUT;
    }

    /** For a log line: one line, controls replaced, at most {@code maxChars} characters. */
    public static String forLog(String text, int maxChars) {
        if (text == null) return null;
        String clean = isClean(text) ? text : clean(text);
        return clean.length() <= maxChars ? clean : clean.substring(0, maxChars) + CUT;
    }

    /** Whether the text holds no control character (C0, DEL, C1, Unicode line and paragraph separators). */
    public static boolean isClean(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (isControl(text.charAt(i))) return false;
        }
        return true;
    }

    /** Every run of control characters replaced by one space; lone surrogates (not UTF-8) by '?'. */
    public static String clean(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        boolean inRun = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isControl(c)) {
                if (!inRun) sb.append(' ');
                inRun = true;
                continue;
            }
            inRun = false;
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                sb.append(c).append(text.charAt(++i));
            } else {
                sb.append(Character.isSurrogate(c) ? '?' : c);
            }
        }
        return sb.toString();
    }

    private static boolean isControl(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }

    static int octets(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The longest prefix of {@code s} within {@code max} UTF-8 octets, never splitting a character. */
    private static String cut(String s, int max) {
        int used = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (used + size > max) break;
            used += size;
            i += Character.charCount(cp);
        }
        return s.substring(0, i);
    }
}
