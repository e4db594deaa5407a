package sluice.admin;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Drops Javalin's own "Failed to start Javalin" ERROR line: the admin server's start failure is reported once, as the
 * operator's one readable line (exit 1), and an ERROR line before it would make two. Other Javalin errors pass.
 */
public final class StartFailureEchoFilter extends Filter<ILoggingEvent> {
    @Override
    public FilterReply decide(ILoggingEvent event) {
        return event.getLoggerName().startsWith("io.javalin") && event.getMessage() != null
                && event.getMessage().startsWith("Failed to start Javalin") ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
