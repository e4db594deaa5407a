package sluice.transit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StsPolicyFileTest {
    private static final String GOOD = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
            + "mx: backupmx.example.com\r\nmax_age: 604800\r\n";

    @Test
    void parsesTheRfcExample() {
        var p = valid(GOOD);
        assertThat(p.mode()).isEqualTo(StsPolicy.Mode.ENFORCE);
        assertThat(p.mxPatterns()).containsExactly("mail.example.com", "*.example.net", "backupmx.example.com");
        assertThat(p.maxAgeSeconds()).isEqualTo(604800);
        assertThat(p.id()).isEqualTo("id1");
        assertThat(p.domain()).isEqualTo("example.com");
        assertThat(p.policyStrings()).containsExactly("version: STSv1", "mode: enforce", "mx: mail.example.com",
                "mx: *.example.net", "mx: backupmx.example.com", "max_age: 604800");
    }

    static Stream<Arguments> policies() {
        return Stream.of(
                Arguments.of("version: STSv1\nmode: testing\nmx: mx.a.test\nmax_age: 86400\n", "TESTING"),
                Arguments.of("version: STSv1\nmode: none\nmax_age: 86400", "NONE"),
                Arguments.of("version: STSv1\nmode:enforce\nmx:mx.a.test\nmax_age:0\n", "ENFORCE"),
                Arguments.of("mx: mx.a.test\nmax_age: 31557600\nmode: enforce\nversion: STSv1\n", "ENFORCE"),
                Arguments.of("version: STSv1\nmode: enforce\nmx: MX.A.TEST.\nmax_age: 1\nfuture_key: whatever\n", "ENFORCE"),
                Arguments.of("version: STSv1  \nmode: enforce\t\nmx: mx.a.test\nmax_age: 1\n\n", "ENFORCE"),
                Arguments.of("", "no version"),
                Arguments.of("version: STSv2\nmode: enforce\nmx: mx.a.test\nmax_age: 1\n", "not STSv1"),
                Arguments.of("version: STSv1\nmode: strict\nmx: mx.a.test\nmax_age: 1\n", "mode is not"),
                Arguments.of("version: STSv1\nmx: mx.a.test\nmax_age: 1\n", "no mode"),
                Arguments.of("version: STSv1\nmode: enforce\nmx: mx.a.test\n", "no max_age"),
                Arguments.of("version: STSv1\nmode: enforce\nmx: mx.a.test\nmax_age: 31557601\n", "max_age"),
                Arguments.of("version: STSv1\nmode: enforce\nmx: mx.a.test\nmax_age: -1\n", "max_age"),
                Arguments.of("version: STSv1\nmode: enforce\nmx: mx.a.test\nmax_age: 99999999999\n", "max_age"),
                Arguments.of("version: STSv1\nmode: enforce\nmax_age: 86400\n", "no mx"),
                Arguments.of("version: STSv1\nmode: enforce\nmx: mail.*.a.test\nmax_age: 1\n", "left-most"),
                Arguments.of("version: STSv1\nmode: enforce\nmx: *.*.a.test\nmax_age: 1\n", "left-most"),
                Arguments.of("version: STSv1\nmode: enforce\nmx: *\nmax_age: 1\n", "two labels"),
                Arguments.of("version: STSv1\nmode: enforce\nmx: mx_1.a.test\nmax_age: 1\n", "bad label"),
                Arguments.of("version: STSv1\nmode: enforce\nmode: testing\nmx: mx.a.test\nmax_age: 1\n", "twice"),
                Arguments.of("<html>version: STSv1</html>", "bad key"),
                Arguments.of("version STSv1\nmode: enforce\nmx: mx.a.test\nmax_age: 1\n", "not 'key: value'"));
    }

    @ParameterizedTest
    @MethodSource("policies")
    void parsesOrSaysWhy(String text, String expected) {
        var parsed = StsPolicyFile.parse("example.com", "id1", text);
        if (expected.equals(expected.toUpperCase())) {
            assertThat(parsed).isInstanceOf(StsPolicyFile.Valid.class);
            assertThat(((StsPolicyFile.Valid) parsed).policy().mode()).isEqualTo(StsPolicy.Mode.valueOf(expected));
        } else {
            assertThat(parsed).isInstanceOf(StsPolicyFile.Invalid.class);
            assertThat(((StsPolicyFile.Invalid) parsed).why()).contains(expected);
        }
    }

    static Stream<Arguments> matches() {
        return Stream.of(
                Arguments.of("mail.example.com", true),
                Arguments.of("MAIL.example.com.", true),
                Arguments.of("backupmx.example.com", true),
                Arguments.of("other.example.com", false),
                Arguments.of("a.example.net", true),          // wildcard: one left-most label
                Arguments.of("a.b.example.net", false),       // not two
                Arguments.of("example.net", false),           // not zero
                Arguments.of("mail.example.com.evil.test", false),
                Arguments.of("xexample.net", false));
    }

    @ParameterizedTest
    @MethodSource("matches")
    void matchesMxHosts(String host, boolean permitted) {
        assertThat(valid(GOOD).permits(host)).isEqualTo(permitted);
    }

    @Test
    void anMxPatternWithATrailingDotMatches() {
        var p = valid("version: STSv1\nmode: enforce\nmx: mx.a.test.\nmax_age: 1\n");
        assertThat(p.mxPatterns()).isEqualTo(List.of("mx.a.test"));
        assertThat(p.permits("mx.a.test")).isTrue();
    }

    private static StsPolicy valid(String text) {
        var parsed = StsPolicyFile.parse("example.com", "id1", text);
        assertThat(parsed).isInstanceOf(StsPolicyFile.Valid.class);
        return ((StsPolicyFile.Valid) parsed).policy();
    }
}
