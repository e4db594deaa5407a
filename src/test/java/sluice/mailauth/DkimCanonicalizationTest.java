package sluice.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 6376 3.4: the examples of 3.4.5 and the edge cases around empty lines. Escapes: \r \n \t as in Java. */
class DkimCanonicalizationTest {

    private static String unescape(String s) {
        return s.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t");
    }

    @ParameterizedTest(name = "{0} body [{1}]")
    @CsvSource(delimiter = '|', value = {
            // RFC 6376 3.4.5
            "RELAXED | ' C \\r\\nD \\t E\\r\\n\\r\\n\\r\\n' | ' C\\r\\nD E\\r\\n'",
            "SIMPLE  | ' C \\r\\nD \\t E\\r\\n\\r\\n\\r\\n' | ' C \\r\\nD \\t E\\r\\n'",
            // an empty body: CRLF under simple, nothing under relaxed (3.4.3, 3.4.4)
            "SIMPLE  | ''                                  | '\\r\\n'",
            "RELAXED | ''                                  | ''",
            "SIMPLE  | '\\r\\n\\r\\n'                      | '\\r\\n'",
            "RELAXED | '\\r\\n\\r\\n'                      | ''",
            // a missing final CRLF is added
            "SIMPLE  | 'abc'                               | 'abc\\r\\n'",
            "RELAXED | 'abc \\t'                           | 'abc\\r\\n'",
            // empty lines inside the body stay; a line of only WSP is empty under relaxed
            "RELAXED | 'a\\r\\n \\t\\r\\n\\r\\nb\\r\\n \\r\\n' | 'a\\r\\n\\r\\n\\r\\nb\\r\\n'",
            "SIMPLE  | 'a\\r\\n\\r\\nb\\r\\n'              | 'a\\r\\n\\r\\nb\\r\\n'",
            // bare LF line ends read as CRLF
            "SIMPLE  | 'a\\nb\\n\\n'                       | 'a\\r\\nb\\r\\n'",
    })
    void body(Canonicalization c, String input, String expected) {
        byte[] out = c.body(unescape(input).getBytes(StandardCharsets.ISO_8859_1));

        assertThat(new String(out, StandardCharsets.ISO_8859_1)).isEqualTo(unescape(expected));
    }

    @ParameterizedTest(name = "{0} header [{1}]")
    @CsvSource(delimiter = '|', value = {
            // RFC 6376 3.4.5
            "RELAXED | 'A: X'                | 'a:X\\r\\n'",
            "RELAXED | 'B : Y\\t\\r\\n Z  '  | 'b:Y Z\\r\\n'",
            "SIMPLE  | 'B : Y\\t\\r\\n Z  '  | 'B : Y\\t\\r\\n Z  \\r\\n'",
            "RELAXED | 'SUBJECT:   two   words '  | 'subject:two words\\r\\n'",
            "RELAXED | 'X-Empty:'            | 'x-empty:\\r\\n'",
    })
    void header(Canonicalization c, String raw, String expected) {
        assertThat(c.header(new HeaderField(unescape(raw)))).isEqualTo(unescape(expected));
    }

    @Test
    void signedHeadersTakeFieldsBottomUpAndOverSignedNamesAddNothing() {
        Message m = Message.parse("Subject: one\r\nTo: a@x\r\nSubject: two\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

        byte[] data = Canonicalization.RELAXED.signedHeaders(m.headers(), List.of("subject", "subject", "subject", "from", "to"));

        assertThat(new String(data, StandardCharsets.US_ASCII)).isEqualTo("subject:two\r\nsubject:one\r\nto:a@x\r\n");
    }

    @Test
    void signatureFieldIsHashedWithBEmptiedAndNoFinalCrlf() {
        HeaderField f = new HeaderField("DKIM-Signature: v=1; bh=abc=;\r\n b=AAAA\r\n BBBB ; d=x");

        assertThat(new String(Canonicalization.RELAXED.signatureHeader(f), StandardCharsets.US_ASCII))
                .isEqualTo("dkim-signature:v=1; bh=abc=; b=; d=x");
        assertThat(new String(Canonicalization.SIMPLE.signatureHeader(f), StandardCharsets.US_ASCII))
                .isEqualTo("DKIM-Signature: v=1; bh=abc=;\r\n b=; d=x");
    }

    @Test
    void messageSplitsFoldedFieldsAndTheBody() {
        Message m = Message.parse("A: 1\r\n  more\r\nB: 2\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));

        assertThat(m.headers()).extracting(HeaderField::raw).containsExactly("A: 1\r\n  more", "B: 2");
        assertThat(new String(m.body(), StandardCharsets.US_ASCII)).isEqualTo("body\r\n");
    }
}
