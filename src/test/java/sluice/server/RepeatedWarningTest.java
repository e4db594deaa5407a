package sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import sluice.testkit.MutableClock;

class RepeatedWarningTest {
    @Test
    void aWarningRepeatedByOutsideTrafficIsLoggedOncePerIntervalWithTheCountOfTheOthers() {
        Logger logger = (Logger) LoggerFactory.getLogger("repeated-warning-test");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));
        RepeatedWarning w = new RepeatedWarning(logger, clock, Duration.ofMinutes(1));
        assertThat(w.warn("refused {}", "a")).isTrue();
        for (int i = 0; i < 10_000; i++) assertThat(w.warn("refused {}", "b")).isFalse();
        clock.advance(Duration.ofSeconds(61));
        assertThat(w.warn("refused {}", "c")).isTrue();
        assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("refused a", "refused c (and 10000 more like it since the last such line)");
    }
}
