package sluice.transit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import sluice.spool.TlsRequest;

class TlsRequiredHeaderTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "'TLS-Required: No\\r\\n\\r\\nbody\\r\\n' | true",
            "'tls-required: no\\r\\n\\r\\n' | true",
            "'Subject: a\\r\\nTLS-Required:No\\r\\n\\r\\n' | true",
            "'TLS-Required :  NO  \\r\\n\\r\\n' | true",
            "'TLS-Required:\\r\\n No\\r\\n\\r\\n' | true",
            "'TLS-Required: No\\n\\nbare LF still read\\n' | true",
            "'TLS-Required: No' | true",
            "'TLS-Required: Yes\\r\\n\\r\\n' | false",
            "'TLS-Required: No thanks\\r\\n\\r\\n' | false",
            "'TLS-Required:\\r\\n\\r\\n' | false",
            "'X-TLS-Required: No\\r\\n\\r\\n' | false",
            "'TLS-Required-Not: No\\r\\n\\r\\n' | false",
            "'Subject: a\\r\\n\\r\\nTLS-Required: No\\r\\n' | false",
            "'Subject: a\\r\\n TLS-Required: No\\r\\n\\r\\n' | false",
            "'\\r\\nTLS-Required: No\\r\\n' | false",
            "'' | false",
    })
    void reads(String escaped, boolean expected) {
        byte[] m = escaped.replace("\\r", "\r").replace("\\n", "\n").getBytes(StandardCharsets.ISO_8859_1);
        assertThat(TlsRequiredHeader.saysNo(m)).isEqualTo(expected);
    }

    @Test
    void hostileBytesNeverThrow() {
        assertThat(TlsRequiredHeader.saysNo(null)).isFalse();
        byte[] junk = new byte[4096];
        for (int i = 0; i < junk.length; i++) junk[i] = (byte) (i * 31 + 7);
        assertThat(TlsRequiredHeader.saysNo(junk)).isFalse();
        byte[] longFold = ("TLS-Required:" + " \r\n".repeat(10_000) + " No\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        TlsRequiredHeader.saysNo(longFold); // bounded: returns, whatever it says
        byte[] cr = "TLS-Required: No\r".getBytes(StandardCharsets.US_ASCII);
        TlsRequiredHeader.saysNo(cr);
    }

    @Test
    void requireTlsWinsOverTheHeader() {
        assertThat(TlsRequest.of(true, true)).isEqualTo(TlsRequest.REQUIRED);
        assertThat(TlsRequest.of(true, false)).isEqualTo(TlsRequest.REQUIRED);
        assertThat(TlsRequest.of(false, true)).isEqualTo(TlsRequest.OPTIONAL);
        assertThat(TlsRequest.of(false, false)).isEqualTo(TlsRequest.DEFAULT);
    }
}
