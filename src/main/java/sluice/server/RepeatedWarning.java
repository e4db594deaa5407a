package sluice.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;

/**
 * One warning that outside traffic can repeat at will (a peer outside proxy_from opening connection after
 * connection): logged at once, then at most once per {@code interval} with the count of those not logged, so a
 * hostile client cannot fill the log. The metric that goes with it still counts every one.
 */
final class RepeatedWarning {
    private final Logger log;
    private final Clock clock;
    private final Duration interval;
    private Instant lastLogged;
    private long notLogged;

    RepeatedWarning(Logger log, Clock clock, Duration interval) {
        this.log = log;
        this.clock = clock;
        this.interval = interval;
    }

    /** Logs {@code format} with {@code args} unless one was logged within the interval; true when it logged. */
    boolean warn(String format, Object... args) {
        long skipped;
        synchronized (this) { // memory only, never held across I/O
            Instant now = clock.instant();
            if (lastLogged != null && now.isBefore(lastLogged.plus(interval))) {
                notLogged++;
                return false;
            }
            lastLogged = now;
            skipped = notLogged;
            notLogged = 0;
        }
        log.warn(skipped == 0 ? format : format + " (and " + skipped + " more like it since the last such line)", args);
        return true;
    }
}
