package sluice.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The command and path parsers on arbitrary lines. CommandParser never throws for client input (an
 * unparsable line is a Command.Invalid with its reply); PathParser throws only BadPath, and a path it
 * accepts is inside the string and within RFC 5321's size limits.
 * Corpus: src/test/resources/sluice/smtp/CommandParserFuzzTestInputs/.
 */
class CommandParserFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void anyLineIsACommandOrAnInvalidOne(FuzzedDataProvider data) {
        String line = data.consumeRemainingAsString();
        Command c = CommandParser.parse(line);
        assertThat(c).isNotNull();
        if (c instanceof Command.Invalid invalid) assertThat(invalid.reply().code()).isBetween(500, 599);
    }

    @FuzzTest(maxDuration = "10s")
    void pathsAreBadPathOrWithinTheLimits(FuzzedDataProvider data) {
        boolean allowNull = data.consumeBoolean();
        String s = data.consumeRemainingAsString();
        int start = s.isEmpty() ? 0 : Math.floorMod(s.hashCode(), s.length());
        try {
            PathParser.Parsed p = PathParser.parse(s, start, allowNull);
            assertThat(p.end()).isBetween(start, s.length());
            if (p.mailbox() == null) {
                assertThat(allowNull).isTrue();
            } else {
                String address = p.mailbox().toString();
                assertThat(PathParser.utf8Length(address)).isLessThanOrEqualTo(64 + 1 + 255);
            }
        } catch (PathParser.BadPath expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
        try {
            PathParser.mailbox(s);
        } catch (PathParser.BadPath expected) {
            // the documented refusal
        }
    }
}
