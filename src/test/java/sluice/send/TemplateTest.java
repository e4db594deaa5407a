package sluice.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class TemplateTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Hello {{name}}!            | Hello Ann & Bo!",
            "Hello {{ name }}!          | Hello Ann & Bo!",
            "{{name}}{{name}}           | Ann & BoAnn & Bo",
            "no placeholders            | no placeholders",
            "{{name}                    | {{name}",
            "{ {name}}                  | { {name}}",
            "{{{name}}}                 | {Ann & Bo}",
            "{{n a}}                    | {{n a}}",
    })
    void rendersPlainText(String text, String expected) {
        assertThat(Template.parse(text.strip()).render(Map.of("name", "Ann & Bo"), Template.Escaping.NONE))
                .isEqualTo(expected.strip());
    }

    @Test
    void escapesValuesButNotTheTemplateInHtml() {
        Template t = Template.parse("<p title=\"{{t}}\">Hi <b>{{name}}</b></p>");
        assertThat(t.render(Map.of("name", "<script>alert('x')</script>", "t", "a\"b&c"), Template.Escaping.HTML))
                .isEqualTo("<p title=\"a&quot;b&amp;c\">Hi <b>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</b></p>");
    }

    @Test
    void aValueIsNeverReadAsATemplate() {
        assertThat(Template.parse("{{a}} {{b}}").render(Map.of("a", "{{b}}", "b", "x"), Template.Escaping.NONE))
                .isEqualTo("{{b}} x");
    }

    @Test
    void missingVariablesAreNamedNotLeftEmpty() {
        Template t = Template.parse("Dear {{first}} {{last}}, {{first}}");
        assertThat(t.variables()).containsExactly("first", "last");
        assertThat(t.missing(Map.of("last", "L"))).containsExactly("first");
        assertThat(t.missing(Map.of("first", "F", "last", "L"))).isEmpty();
        assertThat(t.constant()).isFalse();
        assertThat(Template.parse("plain").constant()).isTrue();
        assertThatThrownBy(() -> t.render(Map.of("last", "L"), Template.Escaping.NONE))
                .hasMessage("no value for {{first}}");
    }
}
