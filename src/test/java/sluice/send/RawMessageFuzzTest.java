package sluice.send;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;

/**
 * The send API's raw-message parser on arbitrary bytes: Invalid (a 4xx with a message) is the only
 * refusal; an accepted message has a sender, at least one recipient, CRLF line ends only and no line over
 * 998 octets, so Sluice's own listener would take it.
 * Corpus: src/test/resources/sluice/send/RawMessageFuzzTestInputs/.
 */
class RawMessageFuzzTest {
    private static final Stamp STAMP = new Stamp("<fuzz.1@mx.test>",
            ZonedDateTime.of(2026, 12, 1, 10, 0, 0, 0, ZoneOffset.UTC), "=_boundary");

    @FuzzTest(maxDuration = "10s")
    void aMessageIsAcceptedWellFormedOrRefused(FuzzedDataProvider data) {
        String from = data.consumeBoolean() ? data.consumeString(100) : null;
        List<String> to = data.consumeBoolean() ? List.of(data.consumeString(100)) : List.of();
        byte[] input = data.consumeRemainingAsBytes();
        Outgoing out;
        try {
            out = RawMessage.parse(input, from, to, STAMP);
        } catch (Invalid refused) {
            assertThat(refused.getMessage()).isNotBlank();
            return;
        }
        assertThat(out.sender()).isNotNull();
        assertThat(out.recipients()).isNotEmpty();
        byte[] d = out.data();
        int length = 0;
        for (int i = 0; i < d.length; i++) {
            if (d[i] == '\r' && i + 1 < d.length && d[i + 1] == '\n') {
                length = 0;
                i++;
                continue;
            }
            assertThat(d[i]).as("bare CR or LF at %d", i).isNotIn((byte) '\r', (byte) '\n');
            assertThat(++length).as("line length at %d", i).isLessThanOrEqualTo(998);
        }
    }
}
