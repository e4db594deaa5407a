package sluice.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * SPF records and macro strings (RFC 7208) from arbitrary text: SpfException (permerror) is the only
 * refusal, and a macro string that validates also expands (only a sender-dependent permerror may remain).
 * Corpus: src/test/resources/sluice/mailauth/SpfRecordFuzzTestInputs/.
 */
class SpfRecordFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void aRecordParsesOrIsAPermerror(FuzzedDataProvider data) {
        String txt = data.consumeRemainingAsString();
        SpfRecord.isSpf1(txt);
        try {
            SpfRecord r = SpfRecord.parse(txt);
            assertThat(r.mechanisms()).isNotNull();
        } catch (SpfException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @FuzzTest(maxDuration = "10s")
    void macrosExpandOrAreAPermerror(FuzzedDataProvider data) throws UnknownHostException {
        boolean explanation = data.consumeBoolean();
        String sender = data.consumeString(80);
        String spec = data.consumeRemainingAsString();
        InetAddress ip = InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 1});
        var context = new SpfMacros.Context(sender, "example.test", ip, "helo.test", "mx.test", 0, d -> "unknown");
        try {
            SpfMacros.validate(spec, explanation);
        } catch (SpfException e) {
            return;
        }
        try {
            assertThat(SpfMacros.expand(spec, context, explanation)).isNotNull();
        } catch (SpfException e) {
            // a sender without '@' or similar can still be refused at expansion time
        }
    }
}
