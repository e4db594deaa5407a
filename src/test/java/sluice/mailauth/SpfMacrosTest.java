package sluice.mailauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 7208 7.4's examples, and the syntax the macro grammar rejects. */
class SpfMacrosTest {

    private static SpfMacros.Context context(String ip) throws UnknownHostException {
        return new SpfMacros.Context("strong-bad@email.example.com", "email.example.com", InetAddress.getByName(ip),
                "mx.example.org", "mx.example.net", 1_700_000_000L, domain -> "mail.example.com");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            %{s}                            | strong-bad@email.example.com
            %{o}                            | email.example.com
            %{d}                            | email.example.com
            %{d4}                           | email.example.com
            %{d3}                           | email.example.com
            %{d2}                           | example.com
            %{d1}                           | com
            %{dr}                           | com.example.email
            %{d2r}                          | example.email
            %{l}                            | strong-bad
            %{l-}                           | strong.bad
            %{lr}                           | strong-bad
            %{lr-}                          | bad.strong
            %{l1r-}                         | strong
            %{ir}.%{v}._spf.%{d2}           | 3.2.0.192.in-addr._spf.example.com
            %{lr-}.lp._spf.%{d2}            | bad.strong.lp._spf.example.com
            %{lr-}.lp.%{ir}.%{v}._spf.%{d2} | bad.strong.lp.3.2.0.192.in-addr._spf.example.com
            %{ir}.%{v}.%{l1r-}.lp._spf.%{d2} | 3.2.0.192.in-addr.strong.lp._spf.example.com
            %{d2}.trusted-domains.example.net | example.com.trusted-domains.example.net
            %{i}                            | 192.0.2.3
            %{h}                            | mx.example.org
            %{p}                            | mail.example.com
            %{L}                            | strong-bad
            %{S}                            | strong-bad%40email.example.com
            %{d12}                          | email.example.com
            a%%b%_c%-d                      | a%b c%20d
            """)
    void expandsIpv4Examples(String spec, String expected) throws Exception {
        assertThat(SpfMacros.expand(spec, context("192.0.2.3"), false)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            %{ir}.%{v}._spf.%{d2} | 1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com
            %{v}                  | ip6
            """)
    void expandsIpv6Examples(String spec, String expected) throws Exception {
        assertThat(SpfMacros.expand(spec, context("2001:db8::cb01"), false)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            2001:db8::cb01 | %{c} is not allowed by %{d} at %{t} (%{r}) | 2001:db8::cb01 is not allowed by email.example.com at 1700000000 (mx.example.net)
            192.0.2.3      | %{c} is not allowed                        | 192.0.2.3 is not allowed
            2001:db8:0:1:0:0:0:1 | %{c}                                 | 2001:db8:0:1::1
            """)
    void expandsExplanations(String ip, String spec, String expected) throws Exception {
        assertThat(SpfMacros.expand(spec, context(ip), true)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"%", "%{d", "%{}", "%{x}", "%{d0}", "%{d2!}", "%a", "%{c}", "%{r}", "%{t}", "a b"})
    void rejectsInvalidDomainSpecMacros(String spec) {
        assertThatThrownBy(() -> SpfMacros.expand(spec, context("192.0.2.3"), false))
                .isInstanceOf(SpfException.class);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"192.0.2.3, 192.0.2.3", "2001:db8::cb01, 2001:db8::cb01", "::, ::", "1:0:0:2:0:0:0:3, 1:0:0:2::3"})
    void readableIpv6IsRfc5952(String ip, String expected) throws Exception {
        assertThat(SpfMacros.readable(InetAddress.getByName(ip))).isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void truncatesLongDomainsFromTheLeft() {
        String label = "a".repeat(63);
        String longName = String.join(".", label, label, label, label, "example.com");
        assertThat(SpfMacros.truncate(longName)).hasSizeLessThanOrEqualTo(253).endsWith("example.com")
                .isEqualTo(String.join(".", label, label, label, "example.com"));
    }
}
