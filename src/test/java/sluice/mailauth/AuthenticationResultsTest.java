package sluice.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AuthenticationResultsTest {
    private static final String ID = "mx.sluice.test";

    @Test
    void formatsAllThreeMethodsFolded() {
        String header = AuthenticationResults.header(ID,
                new SpfResult(SpfResult.Result.PASS, "example.com", "", "ip4:192.0.2.0/24"),
                List.of(new DkimOutcome("pass", "example.com", "s1")),
                new DmarcResult(DmarcResult.Result.PASS, "none", "example.com", "example.com", true, true, "v=DMARC1; p=none"));
        assertThat(header).isEqualTo("""
                Authentication-Results: mx.sluice.test;\r
                \tspf=pass smtp.mailfrom=example.com;\r
                \tdkim=pass header.d=example.com header.s=s1;\r
                \tdmarc=pass header.from=example.com\r
                """);
    }

    @Test
    void formatsFailuresSeveralSignaturesAndMissingMethods() {
        String header = AuthenticationResults.header(ID,
                new SpfResult(SpfResult.Result.SOFTFAIL, "bounce.example.net", "", "~all"),
                List.of(new DkimOutcome("fail", "example.net", "k1"), new DkimOutcome("permerror", null, null)),
                new DmarcResult(DmarcResult.Result.FAIL, "quarantine", "example.net", "example.net", false, false, ""));
        assertThat(header).isEqualTo("Authentication-Results: mx.sluice.test;\r\n"
                + "\tspf=softfail smtp.mailfrom=bounce.example.net;\r\n"
                + "\tdkim=fail header.d=example.net header.s=k1;\r\n"
                + "\tdkim=permerror;\r\n"
                + "\tdmarc=fail (disposition=quarantine) header.from=example.net\r\n");
        assertThat(AuthenticationResults.header(ID, null, List.of(), null))
                .isEqualTo("Authentication-Results: mx.sluice.test;\r\n\tdkim=none\r\n");
    }

    @Test
    void removesOurFieldsOnlyFromTheHeaderSection() {
        String message = "Received: from a by b\r\n"
                + "Authentication-Results: MX.Sluice.Test; spf=pass smtp.mailfrom=evil.example\r\n"
                + "authentication-results :\r\n (forged, folded)\r\n\tmx.sluice.test;\r\n dkim=pass header.d=bank.example\r\n"
                + "Authentication-Results: other.example; spf=fail smtp.mailfrom=x.example\r\n"
                + "Authentication-Results: mx.sluice.test.evil.example; none\r\n"
                + "Authentication-Results: \"mx.sluice.test\" 1; none\r\n"
                + "Subject: hi\r\n"
                + "\r\n"
                + "Authentication-Results: mx.sluice.test; body text stays\r\n";
        String cleaned = new String(AuthenticationResults.removeForged(message.getBytes(StandardCharsets.ISO_8859_1), ID),
                StandardCharsets.ISO_8859_1);
        assertThat(cleaned).isEqualTo("Received: from a by b\r\n"
                + "Authentication-Results: other.example; spf=fail smtp.mailfrom=x.example\r\n"
                + "Authentication-Results: mx.sluice.test.evil.example; none\r\n"
                + "Subject: hi\r\n"
                + "\r\n"
                + "Authentication-Results: mx.sluice.test; body text stays\r\n");
    }

    @Test
    void keepsMessagesWithoutOurFieldsByteForByte() {
        byte[] message = "From: a@example.com\nSubject: caf\u00e9\n\nbody\n".getBytes(StandardCharsets.UTF_8);
        assertThat(AuthenticationResults.removeForged(message, ID)).isEqualTo(message);
        byte[] headerOnly = "Authentication-Results: mx.sluice.test; none".getBytes(StandardCharsets.US_ASCII);
        assertThat(AuthenticationResults.removeForged(headerOnly, ID)).isEmpty();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            ' mx.example.org; spf=pass'        | mx.example.org
            ' (comment (nested)) mx.example.org 1; none' | mx.example.org
            ' "quoted.example"; none'          | quoted.example
            ' mx.example.org(c);none'          | mx.example.org
            """)
    void readsTheAuthservId(String value, String id) {
        assertThat(AuthenticationResults.firstValue(value)).isEqualTo(id);
    }
}
