package sluice.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** sendmail -t reads To, Cc and Bcc with the same address parser as the send API and the may-send-as check. */
class LocalMessageTest {
    private static LocalMessage prepare(String header) {
        byte[] input = (header.replace("\\n", "\n") + "\n\nbody\n").getBytes(StandardCharsets.UTF_8);
        return LocalMessage.prepare(input, false, true, List.of(), "cron@example.test", null, "mx.test", "Q1",
                ZonedDateTime.parse("2030-01-02T03:04:05Z"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "To: Bob <bob@example.test>\\nBcc: secret@far.test         | bob@example.test,secret@far.test",
            // a quoted "<x@y>" is a group's name, not a recipient (the regexes read it as one)
            "To: \"<x@evil.test>\" : bob@example.test;                 | bob@example.test",
            "To: a@example.test,\\n b@example.test\\nCc: (c) c@far.test | a@example.test,b@example.test,c@far.test",
            "To: undisclosed-recipients:;\\nCc: c@far.test             | c@far.test",
    })
    void recipientsFromTheHeader(String header, String recipients) {
        assertThat(String.join(",", prepare(header).recipients())).isEqualTo(recipients);
    }

    @org.junit.jupiter.api.Test
    void anAddressThatCannotBeReadIsAnErrorNotADroppedRecipient() {
        assertThatThrownBy(() -> prepare("To: bob, carol@example.test")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the To field: bad address \"bob\"");
    }

    /** -F's full name in the added From: an atom phrase as is, specials quoted, non-ASCII encoded, no header injection. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "CronDaemon               | From: CronDaemon <cron@example.test>",
            "Cron Daemon              | From: Cron Daemon <cron@example.test>",
            "'Daemon, Cron (x)'       | From: \"Daemon, Cron (x)\" <cron@example.test>",
            "'say \"hi\"'             | From: \"say \\\"hi\\\"\" <cron@example.test>",
            "Zoë                      | From: =?UTF-8?B?Wm/Dqw==?= <cron@example.test>",
            "'a\nBcc: x@evil.test'    | From: \"a Bcc: x@evil.test\" <cron@example.test>",
            "'   '                    | From: <cron@example.test>",
    })
    void theFullNameGoesIntoTheAddedFrom(String name, String from) {
        byte[] input = "Subject: s\n\nbody\n".getBytes(StandardCharsets.UTF_8);
        LocalMessage m = LocalMessage.prepare(input, false, false, List.of("bob@example.test"), "cron@example.test",
                name.replace("\\n", "\n"), "mx.test", "Q1", ZonedDateTime.parse("2030-01-02T03:04:05Z"));
        String text = new String(m.data(), StandardCharsets.UTF_8);
        assertThat(text.lines().filter(l -> l.startsWith("From: ")).toList()).containsExactly(from);
        assertThat(text).doesNotContain("\r\nBcc");
    }
}
