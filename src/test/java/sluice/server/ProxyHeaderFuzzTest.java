package sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * PROXY v1 and v2 headers from arbitrary bytes: IOException is the only refusal, and an accepted header
 * consumed exactly itself (v1: up to the first LF, at most 107 bytes; v2: 16 bytes plus its length), so
 * the SMTP bytes after it are untouched. Addresses are literal: no name is ever looked up.
 * Corpus: src/test/resources/sluice/server/ProxyHeaderFuzzTestInputs/.
 */
class ProxyHeaderFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void aHeaderIsReadExactlyOrRefused(byte[] input) {
        ByteArrayInputStream in = new ByteArrayInputStream(input);
        ProxyHeader header;
        try {
            header = ProxyHeader.read(in);
        } catch (IOException refused) {
            assertThat(refused.getMessage()).isNotBlank();
            return;
        }
        int consumed = input.length - in.available();
        if (input[0] == 'P') {
            assertThat(consumed).isLessThanOrEqualTo(ProxyTextHeader.MAX_LENGTH);
            assertThat(input[consumed - 1]).isEqualTo((byte) '\n');
            for (int i = 0; i < consumed - 1; i++) assertThat(input[i]).as("LF before the end at %d", i).isNotEqualTo((byte) '\n');
        } else {
            int length = ((input[14] & 0xFF) << 8) | (input[15] & 0xFF);
            assertThat(consumed).isEqualTo(16 + length);
        }
        if (header.source() != null) {
            assertThat(header.source().isUnresolved()).isFalse();
            assertThat(header.destination()).isNotNull();
        }
    }
}
