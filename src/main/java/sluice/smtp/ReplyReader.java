package sluice.smtp;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads replies from a remote SMTP server (the client's half), bounded: at most {@link #MAX_LINE} octets per
 * line and {@link #MAX_LINES} lines per reply. Knows nothing of sockets; the caller bounds each read in time.
 */
public final class ReplyReader {
    /** RFC 5321 allows 512 octets per reply line; real servers exceed it, so be lenient up to this. */
    public static final int MAX_LINE = 2000;
    public static final int MAX_LINES = 100;

    private static final Pattern STATUS = Pattern.compile("^([245])\\.(\\d{1,3})\\.(\\d{1,3})(?: |$)");

    private final InputStream in;
    private final byte[] buf = new byte[8192];
    private int start;
    private int end;

    public ReplyReader(InputStream in) {
        this.in = in;
    }

    /** Thrown for input that is not an SMTP reply. */
    public static final class MalformedReplyException extends IOException {
        public MalformedReplyException(String message) {
            super(message);
        }
    }

    /** Octets read from the stream but not yet consumed (must be 0 right after a STARTTLS 220). */
    public int buffered() {
        return end - start;
    }

    /** The next complete reply; EOFException if the stream ends first. */
    public Reply read() throws IOException {
        List<String> texts = new ArrayList<>();
        int code = -1;
        while (true) {
            String line = readLine();
            int lineCode = codeOf(line);
            if (code == -1) code = lineCode;
            else if (lineCode != code) throw new MalformedReplyException("reply code changed within a reply: " + clip(line));
            texts.add(line.length() > 4 ? line.substring(4) : "");
            boolean last = line.length() == 3 || line.charAt(3) == ' ';
            if (last) return parse(code, texts);
            if (texts.size() >= MAX_LINES) throw new MalformedReplyException("reply longer than " + MAX_LINES + " lines");
        }
    }

    /** Builds a reply from the line texts (code and separator removed), taking the enhanced status out of each line. */
    public static Reply parse(int code, List<String> texts) {
        Matcher m = STATUS.matcher(texts.get(0));
        if (!m.find() || Integer.parseInt(m.group(1)) != code / 100) return new Reply(code, null, texts, code == 421);
        EnhancedStatus status = new EnhancedStatus(code / 100, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
        String prefix = status.toString();
        List<String> lines = new ArrayList<>(texts.size());
        for (String t : texts) {
            if (t.startsWith(prefix + " ")) lines.add(t.substring(prefix.length() + 1));
            else if (t.equals(prefix)) lines.add("");
            else lines.add(t);
        }
        return new Reply(code, status, lines, code == 421);
    }

    private static int codeOf(String line) throws MalformedReplyException {
        if (line.length() < 3 || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
            throw new MalformedReplyException("not an SMTP reply line: " + clip(line));
        }
        char a = line.charAt(0);
        char b = line.charAt(1);
        char c = line.charAt(2);
        if (a < '2' || a > '5' || b < '0' || b > '9' || c < '0' || c > '9') {
            throw new MalformedReplyException("not an SMTP reply code: " + clip(line));
        }
        return (a - '0') * 100 + (b - '0') * 10 + (c - '0');
    }

    /** One line without its CRLF (a bare LF is accepted too). */
    private String readLine() throws IOException {
        int scanned = start;
        while (true) {
            for (int i = scanned; i < end; i++) {
                if (buf[i] == '\n') {
                    int stop = i > start && buf[i - 1] == '\r' ? i - 1 : i;
                    if (stop - start > MAX_LINE) throw new MalformedReplyException("reply line longer than " + MAX_LINE + " octets");
                    String line = new String(buf, start, stop - start, StandardCharsets.UTF_8);
                    start = i + 1;
                    return line;
                }
            }
            if (end - start > MAX_LINE + 1) throw new MalformedReplyException("reply line longer than " + MAX_LINE + " octets");
            scanned = end;
            if (end == buf.length) {
                System.arraycopy(buf, start, buf, 0, end - start);
                scanned -= start;
                end -= start;
                start = 0;
            }
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) throw new EOFException("connection closed by the remote server");
            end += n;
        }
    }

    /** The remote's text goes into logs and DSNs: one clean line, short. */
    private static String clip(String line) {
        return ReplyText.forLog(line, 80);
    }
}
