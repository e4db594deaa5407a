package sluice.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Map;

/**
 * DKIM tag lists (RFC 6376 3.2) from arbitrary text: SyntaxException is the only refusal, with a bounded
 * message (it quotes the input abbreviated); an accepted list has only well-formed, distinct tag names.
 * Corpus: src/test/resources/sluice/mailauth/TagsFuzzTestInputs/.
 */
class TagsFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void aTagListParsesOrIsASyntaxError(FuzzedDataProvider data) {
        String list = data.consumeRemainingAsString();
        try {
            Map<String, String> tags = Tags.parse(list);
            for (String name : tags.keySet()) assertThat(name).matches("[A-Za-z][A-Za-z0-9_]*");
        } catch (Tags.SyntaxException e) {
            assertThat(e.getMessage()).isNotBlank().hasSizeLessThan(200);
        }
        Tags.withoutB(list);
    }
}
