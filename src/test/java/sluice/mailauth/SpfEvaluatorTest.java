package sluice.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import sluice.dns.Resolver;
import sluice.mailauth.SpfResult.Result;
import sluice.testkit.TestDnsServer;

/** check_host() against a test zone served over real DNS by {@link TestDnsServer} through {@link Resolver}. */
class SpfEvaluatorTest {
    private static TestDnsServer dns;
    private static SpfEvaluator spf;

    @BeforeAll
    static void zone() {
        dns = TestDnsServer.start();
        dns.txt("ip4.test", "v=spf1 ip4:192.0.2.0/24 -all")
                .txt("ip6.test", "v=spf1 ip6:2001:db8::/32 ~all")
                .txt("a.test", "v=spf1 a -all").a("a.test", "192.0.2.10")
                .txt("acidr.test", "v=spf1 a:host.acidr.test/24//64 ?all")
                .a("host.acidr.test", "198.51.100.200").aaaa("host.acidr.test", "2001:db8:1::1")
                .txt("mx.test", "v=spf1 mx -all").mx("mx.test", 10, "mail.mx.test").a("mail.mx.test", "203.0.113.5")
                .txt("mxcidr.test", "v=spf1 mx:mx.test/30 -all")
                .txt("include.test", "v=spf1 include:ip4.test -all")
                .txt("redirect.test", "v=spf1 redirect=ip4.test")
                .txt("exists.test", "v=spf1 exists:%{i}._spf.%{d} -all").a("192.0.2.3._spf.exists.test", "127.0.0.2")
                .txt("neutral.test", "v=spf1 ?all")
                .txt("default.test", "v=spf1 ip4:10.0.0.0/8")
                .txt("other.test", "google-site-verification=abc")
                .txt("two.test", "v=spf1 -all").txt("two.test", "v=spf1 +all")
                .servfail("servfail.test")
                .txt("case.test", "V=SPF1 IP4:192.0.2.0/24 -ALL")
                .txt("syntax.test", "v=spf1 ip4:192.0.2.300 -all")
                .txt("unknown.test", "v=spf1 foo:bar.test -all")
                .txt("late-syntax.test", "v=spf1 +all ip4:1.2.3")
                .txt("modifier.test", "v=spf1 ip4:192.0.2.0/24 moo=bar.%{d} -all")
                .txt("dup-redirect.test", "v=spf1 redirect=ip4.test redirect=ip6.test")
                .txt("include-none.test", "v=spf1 include:none.test -all")
                .txt("include-temp.test", "v=spf1 include:servfail.test -all")
                .txt("redirect-none.test", "v=spf1 redirect=none.test")
                .txt("exp.test", "v=spf1 -all exp=why.exp.test")
                .txt("why.exp.test", "%{i} is not one of %{d}'s designated mail servers.")
                .txt("ptr.test", "v=spf1 ptr -all").ptr("192.0.2.50", "mail.ptr.test").a("mail.ptr.test", "192.0.2.50")
                .ptr("192.0.2.51", "liar.ptr.test").a("liar.ptr.test", "192.0.2.99")
                .txt("void.test", "v=spf1 a:n1.void.test a:n2.void.test a:n3.void.test -all")
                .txt("void2.test", "v=spf1 a:n1.void.test a:n2.void.test -all")
                .txt("mxvoid.test", "v=spf1 mx:nomx.test -all").a("nomx.test", "192.0.2.3")
                .txt("all-redirect.test", "v=spf1 -all redirect=ip4.test")
                .txt("helo.test", "v=spf1 a -all").a("helo.test", "192.0.2.77");
        StringBuilder eleven = new StringBuilder("v=spf1");
        for (int i = 1; i <= 11; i++) {
            eleven.append(" a:h").append(i).append(".limit.test");
            dns.a("h" + i + ".limit.test", "10.0.0." + i);
        }
        dns.txt("limit.test", eleven.append(" -all").toString());
        dns.txt("ten.test", eleven.toString().replace(" a:h11.limit.test", ""));
        dns.txt("loop.test", "v=spf1 include:loop.test -all");
        dns.txt("manymx.test", "v=spf1 mx -all");
        for (int i = 1; i <= 11; i++) {
            dns.mx("manymx.test", i, "m" + i + ".manymx.test");
        }
        spf = new SpfEvaluator(new ResolverLookups(Resolver.create(List.of(dns.address()), Duration.ofSeconds(2),
                Clock.systemUTC())), "mx.sluice.test", Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    @ParameterizedTest(name = "{0} from {1} -> {2} ({3})")
    @CsvSource(delimiter = '|', textBlock = """
            ip4.test           | 192.0.2.3        | PASS      | ip4:192.0.2.0/24
            ip4.test           | 198.51.100.1     | FAIL      | -all
            ip4.test           | ::ffff:192.0.2.3 | PASS      | ip4:192.0.2.0/24
            ip4.test           | 2001:db8::1      | FAIL      | -all
            ip6.test           | 2001:db8::cb01   | PASS      | ip6:2001:db8::/32
            ip6.test           | 2001:db9::1      | SOFTFAIL  | ~all
            ip6.test           | 192.0.2.3        | SOFTFAIL  | ~all
            a.test             | 192.0.2.10       | PASS      | a
            a.test             | 192.0.2.11       | FAIL      | -all
            acidr.test         | 198.51.100.7     | PASS      | a:host.acidr.test/24//64
            acidr.test         | 2001:db8:1::ffff | PASS      | a:host.acidr.test/24//64
            acidr.test         | 2001:db8:2::1    | NEUTRAL   | ?all
            mx.test            | 203.0.113.5      | PASS      | mx
            mx.test            | 203.0.113.6      | FAIL      | -all
            mxcidr.test        | 203.0.113.6      | PASS      | mx:mx.test/30
            mxcidr.test        | 203.0.113.9      | FAIL      | -all
            include.test       | 192.0.2.3        | PASS      | include:ip4.test
            include.test       | 198.51.100.1     | FAIL      | -all
            redirect.test      | 192.0.2.3        | PASS      | ip4:192.0.2.0/24
            redirect.test      | 198.51.100.1     | FAIL      | -all
            all-redirect.test  | 192.0.2.3        | FAIL      | -all
            exists.test        | 192.0.2.3        | PASS      | exists:%{i}._spf.%{d}
            exists.test        | 192.0.2.4        | FAIL      | -all
            ptr.test           | 192.0.2.50       | PASS      | ptr
            ptr.test           | 192.0.2.51       | FAIL      | -all
            neutral.test       | 192.0.2.3        | NEUTRAL   | ?all
            default.test       | 192.0.2.3        | NEUTRAL   | default
            case.test          | 192.0.2.3        | PASS      | IP4:192.0.2.0/24
            modifier.test      | 192.0.2.3        | PASS      | ip4:192.0.2.0/24
            none.test          | 192.0.2.3        | NONE      | ''
            other.test         | 192.0.2.3        | NONE      | ''
            nolabel            | 192.0.2.3        | NONE      | ''
            two.test           | 192.0.2.3        | PERMERROR | ''
            servfail.test      | 192.0.2.3        | TEMPERROR | ''
            syntax.test        | 192.0.2.3        | PERMERROR | ''
            unknown.test       | 192.0.2.3        | PERMERROR | ''
            late-syntax.test   | 192.0.2.3        | PERMERROR | ''
            dup-redirect.test  | 192.0.2.3        | PERMERROR | ''
            include-none.test  | 192.0.2.3        | PERMERROR | ''
            include-temp.test  | 192.0.2.3        | TEMPERROR | ''
            redirect-none.test | 192.0.2.3        | PERMERROR | ''
            limit.test         | 192.0.2.3        | PERMERROR | ''
            ten.test           | 192.0.2.3        | FAIL      | -all
            ten.test           | 10.0.0.10        | PASS      | a:h10.limit.test
            loop.test          | 192.0.2.3        | PERMERROR | ''
            manymx.test        | 192.0.2.3        | PERMERROR | ''
            void.test          | 192.0.2.3        | PERMERROR | ''
            void2.test         | 192.0.2.3        | FAIL      | -all
            mxvoid.test        | 192.0.2.3        | FAIL      | -all
            """)
    void checksTheZone(String domain, String ip, Result expected, String mechanism) throws Exception {
        SpfResult result = spf.check(InetAddress.getByName(ip), domain, "alice@" + domain, "client.example");
        assertThat(result.result()).as(result.explanation()).isEqualTo(expected);
        assertThat(result.mechanism()).isEqualTo(mechanism);
        assertThat(result.domain()).isEqualTo(domain);
    }

    @Test
    void failUsesTheDomainsExplanation() throws Exception {
        SpfResult result = spf.check(InetAddress.getByName("192.0.2.3"), "exp.test", "bob@exp.test", "c.example");
        assertThat(result.result()).isEqualTo(Result.FAIL);
        assertThat(result.explanation()).isEqualTo("192.0.2.3 is not one of exp.test's designated mail servers.");
    }

    @Test
    void nullSenderChecksTheHeloName() throws Exception {
        SpfResult result = spf.check(InetAddress.getByName("192.0.2.77"), "helo.test", "postmaster@helo.test",
                "helo.test");
        assertThat(result).isEqualTo(new SpfResult(Result.PASS, "helo.test", result.explanation(), "a"));
        assertThat(spf.check(InetAddress.getByName("192.0.2.78"), "helo.test", "", "helo.test").result())
                .isEqualTo(Result.FAIL);
    }
}
