package sluice.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The server's log line on stderr: the configured pattern (with its timestamp) on a terminal or in a file; when
 * stderr is the systemd journal, the journal pattern instead (the journal stamps each entry itself), each line
 * prefixed with its syslog priority ({@code <3>} error, {@code <4>} warning, {@code <6>} info, {@code <7>} debug, as
 * sd-daemon(3) defines), which journald parses so that {@code journalctl -p warning} works. A stack trace or a
 * multi-line message becomes one journal entry per line, every one of them carrying the event's priority.
 */
public final class LogLineLayout extends PatternLayout {
    private String journalPattern;
    private PatternLayout journal; // null: stderr is not the journal

    /** The pattern used when stderr is the journal (set from logback.xml). */
    public void setJournalPattern(String journalPattern) {
        this.journalPattern = journalPattern;
    }

    @Override
    public void start() {
        super.start();
        if (journalPattern != null && JournalStream.isStderr(System.getenv("JOURNAL_STREAM"))) {
            PatternLayout j = new PatternLayout();
            j.setContext(getContext());
            j.setPattern(journalPattern);
            j.start();
            journal = j;
        }
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        if (journal == null) return super.doLayout(event);
        return prefixed(priority(event.getLevel()), journal.doLayout(event));
    }

    /** Every line of {@code text} (a line ends with '\n') starting with {@code <N>}. */
    static String prefixed(int priority, String text) {
        String prefix = "<" + priority + ">";
        StringBuilder out = new StringBuilder(text.length() + 8);
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) end = text.length() - 1; // a last line without its newline gets one
            String line = text.substring(start, end + 1);
            out.append(prefix).append(line.endsWith("\r\n") ? line.substring(0, line.length() - 2) + "\n"
                    : line.endsWith("\n") ? line : line + "\n");
            start = end + 1;
        }
        return out.toString();
    }

    static int priority(Level level) {
        if (level.isGreaterOrEqual(Level.ERROR)) return 3;
        if (level.isGreaterOrEqual(Level.WARN)) return 4;
        if (level.isGreaterOrEqual(Level.INFO)) return 6;
        return 7;
    }

    /** systemd's JOURNAL_STREAM test (systemd.exec(5)): the variable names stderr's device and inode. */
    static final class JournalStream {
        private JournalStream() {}

        /**
         * True when JOURNAL_STREAM ("DEV:INODE") is set and names our stderr. A child whose stderr was redirected
         * inherits the variable but not the stream: it keeps the terminal format. When /proc cannot tell, the
         * variable is trusted.
         */
        static boolean isStderr(String journalStream) {
            if (journalStream == null || journalStream.isBlank()) return false;
            String[] parts = journalStream.trim().split(":");
            if (parts.length != 2) return false;
            try {
                Path stderr = Path.of("/proc/self/fd/2");
                long dev = ((Number) Files.getAttribute(stderr, "unix:dev")).longValue();
                long ino = ((Number) Files.getAttribute(stderr, "unix:ino")).longValue();
                return Long.parseLong(parts[0]) == dev && Long.parseLong(parts[1]) == ino;
            } catch (NumberFormatException e) {
                return false;
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                return true;
            }
        }
    }
}
