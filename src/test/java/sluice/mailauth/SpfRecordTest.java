package sluice.mailauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The record grammar of RFC 7208 12: what parses (and into what), and what is a permerror. */
class SpfRecordTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            v=spf1                                 | 0 | ''                  | ''
            v=spf1  -all                           | 1 | ''                  | ''
            v=spf1 a/24//64 mx//48 a:%{d}.x.example/0 -all | 4 | ''      | ''
            v=spf1 ip4:0.0.0.0/0 ip6:::/0 ip6:2001:db8::1 | 3 | ''        | ''
            v=spf1 ptr ptr:example.com. ~all       | 3 | ''                  | ''
            v=spf1 include:_spf.example.com redirect=_spf.example.net exp=why.%{d} | 1 | _spf.example.net | why.%{d}
            v=spf1 x-unknown=%{l}.anything ?all    | 1 | ''                  | ''
            V=Spf1 A:Example.COM -ALL              | 2 | ''                  | ''
            """)
    void parses(String text, int mechanisms, String redirect, String exp) throws Exception {
        SpfRecord record = SpfRecord.parse(text);
        assertThat(record.mechanisms()).hasSize(mechanisms);
        assertThat(record.redirect()).isEqualTo(redirect.isEmpty() ? null : redirect);
        assertThat(record.exp()).isEqualTo(exp.isEmpty() ? null : exp);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "v=spf1 ip4:1.2.3.4/033", "v=spf1 ip4:1.2.3.4/032", "v=spf1 ip4:1.2.3", "v=spf1 ip4:01.2.3.4",
        "v=spf1 ip4:2001:db8::1", "v=spf1 ip6:1.2.3.4", "v=spf1 ip6:2001:db8::/129", "v=spf1 ip6:example.com",
        "v=spf1 a:foo", "v=spf1 a:1.2.3.4", "v=spf1 a:example.com/", "v=spf1 a//129", "v=spf1 mx:example.-com",
        "v=spf1 include", "v=spf1 include:", "v=spf1 exists", "v=spf1 all/24", "v=spf1 -all:x", "v=spf1 foo",
        "v=spf1 redirect=a.example redirect=b.example", "v=spf1 exp=a.example exp=b.example",
        "v=spf1 a:%{z}.example", "v=spf1 x=%", "v=spf1 ptr/24", "v=spf1 =foo", "v=spf1 +"})
    void rejects(String text) {
        assertThatThrownBy(() -> SpfRecord.parse(text)).isInstanceOf(SpfException.class);
    }

    @ParameterizedTest
    @CsvSource({"v=spf1, true", "v=spf1 -all, true", "V=SPF1 a, true", "v=spf10, false", "v=spf1x -all, false",
        "spf1 -all, false", "' v=spf1 -all', false"})
    void recognisesVersion1Records(String text, boolean spf1) {
        assertThat(SpfRecord.isSpf1(text)).isEqualTo(spf1);
    }
}
