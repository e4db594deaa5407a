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

    /**
     * The one-pass canonicaliser (no copies, hashing as it goes) against the straightforward one it replaced, on
     * bodies made of the bytes that matter (CR, LF, SP, HTAB, a letter) in every arrangement up to 9 bytes and on
     * random longer ones: the same canonical bytes and the same bh= every time.
     */
    @Test
    void theOnePassBodyMatchesTheLineByLineOneOnEveryArrangement() throws Exception {
        byte[] alphabet = {'\r', '\n', ' ', '\t', 'a'};
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        java.util.Random random = new java.util.Random(20261207);
        List<byte[]> bodies = new java.util.ArrayList<>();
        for (int length = 0; length <= 9; length++) {
            int combos = (int) Math.pow(alphabet.length, length);
            for (int n = 0; n < combos; n++) {
                byte[] b = new byte[length];
                for (int k = 0, v = n; k < length; k++, v /= alphabet.length) b[k] = alphabet[v % alphabet.length];
                bodies.add(b);
            }
        }
        for (int n = 0; n < 2000; n++) {
            byte[] b = new byte[random.nextInt(20_000)];
            for (int k = 0; k < b.length; k++) b[k] = random.nextInt(4) == 0 ? alphabet[random.nextInt(4)] : (byte) random.nextInt(256);
            bodies.add(b);
        }
        for (Canonicalization c : Canonicalization.values()) {
            for (byte[] body : bodies) {
                byte[] expected = lineByLine(c, body);
                assertThat(c.body(body)).as("%s %s", c, java.util.Arrays.toString(body)).isEqualTo(expected);
                assertThat(c.bodyHash(body)).isEqualTo(sha.digest(expected));
            }
        }
    }

    /** The canonical body as Sluice computed it before (a copy per line, then the whole): the test's oracle. */
    private static byte[] lineByLine(Canonicalization c, byte[] body) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int pendingEmpty = 0;
        int pos = 0;
        while (pos < body.length) {
            int lf = pos;
            while (lf < body.length && body[lf] != '\n') lf++;
            int end = lf < body.length && lf > pos && body[lf - 1] == '\r' ? lf - 1 : lf;
            byte[] line;
            if (c == Canonicalization.RELAXED) {
                java.io.ByteArrayOutputStream l = new java.io.ByteArrayOutputStream();
                boolean wsp = false;
                for (int i = pos; i < end; i++) {
                    if (body[i] == ' ' || body[i] == '\t') {
                        wsp = true;
                        continue;
                    }
                    if (wsp) l.write(' ');
                    wsp = false;
                    l.write(body[i]);
                }
                line = l.toByteArray();
            } else {
                line = java.util.Arrays.copyOfRange(body, pos, end);
            }
            pos = lf < body.length ? lf + 1 : body.length;
            if (line.length == 0) {
                pendingEmpty++;
                continue;
            }
            for (; pendingEmpty > 0; pendingEmpty--) out.writeBytes(new byte[] {'\r', '\n'});
            out.writeBytes(line);
            out.writeBytes(new byte[] {'\r', '\n'});
        }
        if (out.size() == 0 && c == Canonicalization.SIMPLE) return new byte[] {'\r', '\n'};
        return out.toByteArray();
    }
}
