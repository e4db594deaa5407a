package sluice.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.internet.MimeUtility;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import sluice.smtp.AddressList;

/**
 * The send API's message formats without HTTP: addresses, encoded-words, folding, body encodings, raw messages. Header
 * text is decoded with Angus Mail, not with mime4j that wrote it.
 */
class MessageFormatTest {
    private static final Stamp STAMP = new Stamp("<q1.1@mx.test>", ZonedDateTime.parse("2030-01-02T03:04:05Z"), "=_b");

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "a@x.test                               | a@x.test      | ",
            "Alice <a@x.test>                       | a@x.test      | Alice",
            "\"Smith, Alice\" <a@x.test>            | a@x.test      | Smith, Alice",
            "Alice (work) <a@x.test> (comment)      | a@x.test      | Alice",
            "<@relay.test:a@x.test>                 | a@x.test      | ",
            "\"quoted,local\"@x.test                | \"quoted,local\"@x.test | ",
    })
    void oneAddress(String input, String address, String name) {
        sluice.smtp.NamedMailbox a = AddressList.single(input);
        assertThat(a.mailbox().address()).isEqualTo(address);
        assertThat(a.name()).isEqualTo(name);
    }

    @Test
    void listsAndGroups() {
        assertThat(AddressList.parse("a@x.test, B <b@x.test>; team: c@x.test, d@x.test;").stream()
                .map(n -> n.mailbox().address())).containsExactly("a@x.test", "b@x.test", "c@x.test", "d@x.test");
        assertThat(AddressList.parse("undisclosed-recipients:;")).isEmpty();
        assertThatThrownBy(() -> AddressList.parse("a@x.test, nope")).hasMessageContaining("bad address \"nope\"");
        assertThatThrownBy(() -> AddressList.parse("\"open <a@x.test>")).hasMessageContaining("unbalanced");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Alice             | Alice <a@x.test>",
            "Smith, Alice      | \"Smith, Alice\" <a@x.test>",
            "Say \"hi\"        | \"Say \\\"hi\\\"\" <a@x.test>",
    })
    void displayNames(String name, String header) {
        assertThat(new NamedAddress(name.strip(), sluice.smtp.Mailbox.parse("a@x.test")).header()).isEqualTo(header);
    }

    @Test
    void aNonAsciiDisplayNameIsAnEncodedWordInUtf8() throws Exception {
        String header = new NamedAddress("Jörg Ärger", sluice.smtp.Mailbox.parse("a@x.test")).header();
        assertThat(header).startsWith("=?UTF-8?").endsWith(" <a@x.test>");
        assertThat(MimeUtility.decodeText(header)).isEqualTo("Jörg Ärger <a@x.test>");
    }

    private static String compose(String json) throws Invalid {
        return new String(JsonMessage.parse(json.getBytes(StandardCharsets.UTF_8), STAMP).data(), StandardCharsets.UTF_8);
    }

    /** The field {@code name} of {@code message} as written, folded lines and all, without its final CRLF. */
    private static String field(String message, String name) {
        int at = message.indexOf("\r\n" + name + ": ") + 2;
        int end = at;
        do end = message.indexOf("\r\n", end + 1); while (message.charAt(end + 2) == ' ' || message.charAt(end + 2) == '\t');
        return message.substring(at, end);
    }

    @Test
    void encodedWordsNeverSplitACharacterAndFoldingKeepsLinesShort() throws Exception {
        String subject = "ü".repeat(100) + " 😀";
        String field = field(compose("{\"from\":\"a@x.test\",\"to\":\"b@x.test\",\"text\":\"x\",\"subject\":\"" + subject + "\"}"), "Subject");
        assertThat(field.split("\r\n")).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(78));
        String value = MimeUtility.unfold(field.substring("Subject: ".length()));
        for (String w : value.split(" ")) {
            assertThat(w.length()).isLessThanOrEqualTo(75);
            // each word decodes on its own to whole characters (RFC 2047 5): no replacement character
            assertThat(MimeUtility.decodeWord(w)).doesNotContain("\uFFFD");
        }
        assertThat(MimeUtility.decodeText(value)).isEqualTo(subject);
    }

    /** RFC 5322 2.1.1: lines of at most 78 characters wherever a fold is possible, whatever the name and value. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "Subject                                  | x | 76",
            "Subject                                  | x | 77",
            "Subject                                  | x | 5000",
            "X-A-Rather-Long-Field-Name-For-A-Test-1  | x | 76",
            "X-A-Rather-Long-Field-Name-For-A-Test-1  | ü | 300",
            "Subject                                  | lorem ipsum  | 400",
            "X-A-Rather-Long-Field-Name-For-A-Test-1  | lorem ipsum  | 400",
    })
    void everyLineFitsIn78(String name, String unit, int times) throws Exception {
        String value = unit.repeat(times).strip();
        String json = name.strip().equals("Subject")
                ? "{\"from\":\"a@x.test\",\"to\":\"b@x.test\",\"text\":\"x\",\"subject\":\"" + value + "\"}"
                : "{\"from\":\"a@x.test\",\"to\":\"b@x.test\",\"text\":\"x\",\"headers\":{\"" + name.strip() + "\":\"" + value + "\"}}";
        String field = field(compose(json), name.strip());
        assertThat(field.split("\r\n")).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(78));
        assertThat(MimeUtility.decodeText(MimeUtility.unfold(field.substring(name.strip().length() + 2)))).isEqualTo(value);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "hello\\nworld              | 7bit             | hello\\r\\nworld\\r\\n",
            "schöne Grüße, lieber Bob   | quoted-printable | sch=C3=B6ne Gr=C3=BC=C3=9Fe, lieber Bob\\r\\n",
            "ä trailing space \\nx      | quoted-printable | =C3=A4 trailing space=20\\r\\nx\\r\\n",
            "Здравствуйте               | base64           | 0JfQtNGA0LDQstGB0YLQstGD0LnRgtC1DQo=\\r\\n",
    })
    void bodyEncodings(String text, String encoding, String body) throws Exception {
        String m = compose("{\"from\":\"a@x.test\",\"to\":\"b@x.test\",\"text\":\"" + text.strip() + "\"}");
        assertThat(m).contains("\r\nContent-Transfer-Encoding: " + encoding + "\r\n");
        assertThat(m.substring(m.indexOf("\r\n\r\n") + 4)).isEqualTo(body.strip().replace("\\r\\n", "\r\n"));
    }

    @Test
    void quotedPrintableLinesStayWithin76() throws Exception {
        String m = compose("{\"from\":\"a@x.test\",\"to\":\"b@x.test\",\"text\":\"" + "é".repeat(500) + "\\n" + "a".repeat(2000) + "\"}");
        String body = m.substring(m.indexOf("\r\n\r\n") + 4);
        assertThat(m).contains("Content-Transfer-Encoding: quoted-printable");
        assertThat(body.split("\r\n")).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(76));
        assertThat(body.replace("=\r\n", "")).startsWith("=C3=A9=C3=A9").contains("\r\n" + "a".repeat(2000) + "\r\n");
    }

    @Test
    void rawMessagesGetCrlfTheirMissingFieldsAndLoseBcc() throws Exception {
        Outgoing m = RawMessage.parse("To: A <a@x.test>, b@x.test\nBcc: c@x.test,\n d@x.test\nSubject: s\n\nbody\n.\n"
                .getBytes(StandardCharsets.UTF_8), "s@x.test", List.of(), STAMP);
        assertThat(m.sender().address()).isEqualTo("s@x.test");
        assertThat(m.recipients()).extracting(r -> r.address()).containsExactly("a@x.test", "b@x.test", "c@x.test", "d@x.test");
        assertThat(new String(m.data(), StandardCharsets.UTF_8)).isEqualTo("From: <s@x.test>\r\nDate: Wed, 2 Jan 2030 03:04:05 +0000\r\n"
                + "Message-ID: <q1.1@mx.test>\r\nTo: A <a@x.test>, b@x.test\r\nSubject: s\r\n\r\nbody\r\n.\r\n");
        Outgoing kept = RawMessage.parse("From: a@x.test\r\nMessage-ID: <own@x.test>\r\nDate: today\r\n\r\nx".getBytes(StandardCharsets.UTF_8),
                null, List.of("<r@y.test>"), STAMP);
        assertThat(kept.messageId()).isEqualTo("<own@x.test>");
        assertThat(kept.recipients()).extracting(r -> r.address()).containsExactly("r@y.test");
        assertThat(new String(kept.data(), StandardCharsets.UTF_8)).startsWith("From: a@x.test\r\nMessage-ID");
    }

    @Test
    void jsonWithOnlyHtmlIsASinglePart() throws Exception {
        Outgoing m = JsonMessage.parse("{\"from\":\"a@x.test\",\"bcc\":\"b@x.test\",\"html\":\"<p>hi</p>\"}".getBytes(StandardCharsets.UTF_8), STAMP);
        String text = new String(m.data(), StandardCharsets.UTF_8);
        assertThat(text).isEqualTo("From: a@x.test\r\nDate: Wed, 2 Jan 2030 03:04:05 +0000\r\nMessage-ID: <q1.1@mx.test>\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n<p>hi</p>\r\n");
        assertThat(m.recipients()).extracting(r -> r.address()).containsExactly("b@x.test");
    }
}
