package sluice.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TraceHeadersTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            plain                 | Message-ID: <a@b>\\r\\nDate: x\\r\\n\\r\\nbody                 | <a@b>  | true
            lower case            | message-id:<a@b>\\r\\n\\r\\n                                  | <a@b>  | false
            space before colon    | Message-Id :  <a@b>\\r\\nDate : x\\r\\n\\r\\n                   | <a@b>  | true
            tab before colon      | MESSAGE-ID\\t: <a@b>\\r\\n\\r\\n                               | <a@b>  | false
            folded value          | Message-ID:\\r\\n <a@b>\\r\\n\\r\\n                             | <a@b>  | false
            only in the body      | Subject: s\\r\\n\\r\\nMessage-ID: <a@b>\\r\\nDate: x\\r\\n        |        | false
            prefix of other field | Message-IDs: <a@b>\\r\\nDated: x\\r\\n\\r\\n                    |        | false
            """)
    void scanFindsMessageIdAndDateInTheHeaderSection(String name, String raw, String id, boolean date) {
        byte[] data = raw.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t").getBytes(StandardCharsets.UTF_8);
        TraceHeaders.Found found = TraceHeaders.scan(data, data.length);
        assertThat(found.messageId()).isEqualTo(id);
        assertThat(found.hasMessageId()).isEqualTo(id != null);
        assertThat(found.hasDate()).isEqualTo(date);
    }

    /** The date is formatted once per second and zone; another second or zone gets its own. */
    @Test
    void dateIsReusedOnlyWithinTheSameSecondAndZone() {
        java.time.ZonedDateTime t = java.time.ZonedDateTime.parse("2026-12-07T06:00:00.100Z");
        assertThat(TraceHeaders.date(t)).isEqualTo("Mon, 7 Dec 2026 06:00:00 +0000");
        assertThat(TraceHeaders.date(t.plusNanos(800_000_000))).isEqualTo("Mon, 7 Dec 2026 06:00:00 +0000");
        assertThat(TraceHeaders.date(t.plusSeconds(1))).isEqualTo("Mon, 7 Dec 2026 06:00:01 +0000");
        assertThat(TraceHeaders.date(t.plusSeconds(1).withZoneSameInstant(java.time.ZoneId.of("Europe/Paris"))))
                .isEqualTo("Mon, 7 Dec 2026 07:00:01 +0100");
        assertThat(TraceHeaders.date(t.plusSeconds(1))).isEqualTo("Mon, 7 Dec 2026 06:00:01 +0000");
    }
}
