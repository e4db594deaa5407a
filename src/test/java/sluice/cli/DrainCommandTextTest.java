package sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What `sluice drain` prints from the states it polled, and why it says the drain ended when the server is gone. */
class DrainCommandTextTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode state(String phase, long queued, long held, long timeoutInSeconds, String handover) throws Exception {
        return JSON.readTree("""
                {"draining": true, "phase": "%s", "since": "2026-01-01T00:00:00Z", "timeout_at": "%s", "handover": %s,
                 "queued": %d, "held": %d, "delivered": 7, "handed_over": 2, "transactions_in_flight": 0,
                 "ended": null, "end_reason": %s}
                """.formatted(phase, Instant.now().plusSeconds(timeoutInSeconds), handover == null ? "null" : "\"" + handover + "\"",
                queued, held, phase.equals("ended") ? "\"queue empty\"" : "null"));
    }

    @ParameterizedTest(name = "{0} queued={1} held={2} timeout in {3}s, spool {4}: {5}")
    @CsvSource(nullValues = "-", value = {
            "ended,        0, 0,  100, 0, queue empty",
            "handing_over, 3, 0,  100, 3, handover done",
            "delivering,   5, 0,   -5, 5, timeout",
            "delivering,   2, 2,  100, 2, queue empty",  // only held messages left
            "delivering,   4, 0,  100, 0, queue empty",  // delivered between the last look and the stop
            "delivering,   4, 0,  100, 4, -",            // stopped (SIGTERM) with mail still pending
            "delivering,   4, 1,  100, -1, -",           // the spool could not be counted: the last look decides
    })
    void endReasonWhenTheServerHasGone(String phase, long queued, long held, long timeoutIn, long left, String reason)
            throws Exception {
        assertThat(DrainCommand.endReason(state(phase, queued, held, timeoutIn, null), left)).isEqualTo(reason);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "delivering   | 0 | -             | draining: 5 queued (1 held, staying), 7 delivered, timeout in ",
            "handing_over | 0 | 192.0.2.7:25  | handing over to 192.0.2.7:25: 5 queued (1 held, staying), 7 delivered, 2 handed over, timeout in ",
    })
    void progressLine(String phase, int unused, String handover, String start) throws Exception {
        String line = DrainCommand.progress(state(phase, 5, 1, 125, "-".equals(handover) ? null : handover));
        assertThat(line).startsWith(start).matches(".*timeout in 2m\\d+s");
    }
}
