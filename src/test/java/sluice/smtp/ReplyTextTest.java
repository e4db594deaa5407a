package sluice.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Whatever text a reply is built from, it goes on the wire as the reply's own lines, each within 512 octets. */
class ReplyTextTest {

    private static List<String> wireLines(Reply r) {
        String wire = new String(r.encode(), StandardCharsets.UTF_8);
        assertThat(wire).endsWith("\r\n");
        return List.of(wire.substring(0, wire.length() - 2).split("\r\n", -1));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "spam\r\n250 2.1.5 forged", "spam\n250 forged", "spam\r250 forged", "a\u0000b\u001bc\u007fd\u0085e",
            "line\u2028sep", "tab\there"})
    void controlCharactersCannotStartALine(String reason) {
        Reply r = Reply.of(550, "5.7.1", "Recipient address suppressed: " + reason);
        List<String> lines = wireLines(r);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("550 5.7.1 Recipient address suppressed: ")
                .doesNotContainPattern("[\\x00-\\x1f\\x7f\\u0080-\\u009f\\u2028\\u2029]");
    }

    @Test
    void aRunOfControlsBecomesOneSpace() {
        assertThat(Reply.of(550, "5.7.1", "a\r\n\r\nb").lines()).containsExactly("a b");
    }

    @ParameterizedTest(name = "{0} characters")
    @ValueSource(ints = {0, 100, 500, 501, 5_000_000})
    void everyLineFitsIn512Octets(int length) {
        Reply r = Reply.of(550, "5.7.1", "x".repeat(length));
        String line = wireLines(r).get(0);
        assertThat(line.getBytes(StandardCharsets.UTF_8).length + 2).isLessThanOrEqualTo(512);
        if (length <= 500) assertThat(line).isEqualTo("550 5.7.1 " + "x".repeat(length));
        else assertThat(line).endsWith("...").hasSize(510);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"é, 2", "€, 3", "😀, 4"})
    void aCutNeverSplitsACharacter(String ch, int octets) {
        Reply r = new Reply(250, null, List.of("ok", ch.repeat(1000)), false);
        for (String line : wireLines(r)) {
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            assertThat(bytes.length + 2).isLessThanOrEqualTo(512);
            assertThat(new String(bytes, StandardCharsets.UTF_8)).doesNotContain("\uFFFD");
        }
        assertThat(wireLines(r).get(1)).startsWith("250 " + ch).endsWith(ch + "...");
    }

    @Test
    void cleanTextIsLeftAlone() {
        List<String> lines = List.of("mx.test greets c.test", "PIPELINING");
        assertThat(new Reply(250, null, lines, false).lines()).isEqualTo(lines);
        String text = "already fine";
        assertThat(ReplyText.fit(text, 100)).isSameAs(text);
    }

    @Test
    void aRemoteReplyIsCleanedWhenRead() throws Exception {
        String wire = "550-5.1.1 no\u001b[31m such\r\n550 5.1.1 user\rX-Injected: yes\r\n";
        Reply r = new ReplyReader(new java.io.ByteArrayInputStream(wire.getBytes(StandardCharsets.UTF_8))).read();
        assertThat(r.lines()).containsExactly("no [31m such", "user X-Injected: yes");
        assertThat(r.summary()).isEqualTo("550 5.1.1 no [31m such");
    }

    @Test
    void forLogIsOneShortLine() {
        assertThat(ReplyText.forLog("a\r\nb" + "c".repeat(100), 10)).isEqualTo("a bccccccc...");
    }
}
