package sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The journal's line: every physical line of an event carries the event's priority. */
class LogLineLayoutTest {
    @ParameterizedTest
    @CsvSource({"ERROR, 3", "WARN, 4", "INFO, 6", "DEBUG, 7", "TRACE, 7"})
    void priorityPerLevel(String level, int priority) {
        assertThat(LogLineLayout.priority(Level.toLevel(level))).isEqualTo(priority);
    }

    @Test
    void everyLineIsPrefixed() {
        assertThat(LogLineLayout.prefixed(4, "one\n")).isEqualTo("<4>one\n");
        assertThat(LogLineLayout.prefixed(4, "one\ntwo\n")).isEqualTo("<4>one\n<4>two\n");
        assertThat(LogLineLayout.prefixed(4, "no newline")).isEqualTo("<4>no newline\n");
        assertThat(LogLineLayout.prefixed(4, "crlf\r\nnext\n")).isEqualTo("<4>crlf\n<4>next\n");
        assertThat(LogLineLayout.prefixed(4, "")).isEmpty();
    }

    @Test
    void aStackTraceKeepsTheEventsPriorityOnEveryLine() {
        LoggerContext context = new LoggerContext();
        PatternLayout journal = new PatternLayout();
        journal.setContext(context);
        journal.setPattern("%-5level %logger{0}: %msg%n");
        journal.start();
        LoggingEvent event = new LoggingEvent("x", context.getLogger("sluice.spool.Spool"), Level.ERROR,
                "the spool failed\nsecond line", new IllegalStateException("disk gone"), null);
        String text = LogLineLayout.prefixed(3, journal.doLayout(event));
        assertThat(text.lines().count()).isGreaterThan(3);
        assertThat(text.lines()).allSatisfy(l -> assertThat(l).startsWith("<3>"));
        assertThat(text).startsWith("<3>ERROR Spool: the spool failed\n<3>second line\n<3>java.lang.IllegalStateException: disk gone\n");
    }
}
