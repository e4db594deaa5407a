package sluice.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import sluice.dns.Resolver;
import sluice.testkit.TestDnsServer;

/** DMARC discovery, alignment and disposition against a test zone served by {@link TestDnsServer}. */
class DmarcTest {
    private static TestDnsServer dns;
    private static DnsLookups lookups;

    @BeforeAll
    static void zone() {
        dns = TestDnsServer.start();
        dns.txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.com")
                .txt("_dmarc.strict.com", "v=DMARC1; p=reject; adkim=s; aspf=s")
                .txt("_dmarc.sampled.com", "v=DMARC1; p=reject; pct=0")
                .txt("_dmarc.sampledq.com", "v=DMARC1; p=quarantine; pct=0")
                .txt("_dmarc.half.com", "v=DMARC1; p=reject; pct=50")
                .txt("_dmarc.own.example.com", "v=DMARC1; p=none")
                .txt("_dmarc.invalid.com", "v=DMARC1; p=bogus")
                .txt("_dmarc.invalidrua.com", "v=DMARC1; p=bogus; rua=mailto:x@invalidrua.com")
                .txt("_dmarc.notfirst.com", "p=reject; v=DMARC1")
                .txt("_dmarc.two.com", "v=DMARC1; p=reject").txt("_dmarc.two.com", "v=DMARC1; p=none")
                .txt("_dmarc.other.com", "some unrelated text")
                .servfail("_dmarc.temp.com")
                .txt("_dmarc.example.test", "v=DMARC1; p=quarantine")
                .txt("_dmarc.example.co.uk", "v=DMARC1;p=reject");
        lookups = new ResolverLookups(Resolver.create(List.of(dns.address()), Duration.ofSeconds(2), Clock.systemUTC()));
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    @ParameterizedTest(name = "From {0}, SPF {2} for {1}, DKIM {3} -> {4} {5}")
    @CsvSource(delimiter = '|', textBlock = """
            example.com       | example.com        | PASS | ''                 | PASS      | none       | true  | false | example.com
            example.com       | bounce.example.com | PASS | ''                 | PASS      | none       | true  | false | example.com
            example.com       | other.net          | PASS | ''                 | FAIL      | reject     | false | false | example.com
            example.com       | example.com        | FAIL | example.com        | PASS      | none       | false | true  | example.com
            example.com       | example.com        | NONE | other.net mail.example.com | PASS | none     | false | true  | example.com
            strict.com        | strict.com         | FAIL | mail.strict.com    | FAIL      | reject     | false | false | strict.com
            strict.com        | mail.strict.com    | PASS | ''                 | FAIL      | reject     | false | false | strict.com
            strict.com        | strict.com         | PASS | ''                 | PASS      | none       | true  | false | strict.com
            strict.com        | other.net          | FAIL | strict.com         | PASS      | none       | false | true  | strict.com
            sub.example.com   | other.net          | FAIL | ''                 | FAIL      | quarantine | false | false | example.com
            sub.example.com   | other.net          | FAIL | example.com        | PASS      | none       | false | true  | example.com
            own.example.com   | other.net          | FAIL | ''                 | FAIL      | none       | false | false | example.com
            sampled.com       | other.net          | FAIL | ''                 | FAIL      | quarantine | false | false | sampled.com
            sampledq.com      | other.net          | FAIL | ''                 | FAIL      | none       | false | false | sampledq.com
            invalid.com       | other.net          | FAIL | ''                 | NONE      | none       | false | false | invalid.com
            invalidrua.com    | other.net          | FAIL | ''                 | FAIL      | none       | false | false | invalidrua.com
            notfirst.com      | other.net          | FAIL | ''                 | NONE      | none       | false | false | notfirst.com
            two.com           | other.net          | FAIL | ''                 | NONE      | none       | false | false | two.com
            other.com         | other.net          | FAIL | ''                 | NONE      | none       | false | false | other.com
            nodmarc.com       | nodmarc.com        | PASS | ''                 | NONE      | none       | false | false | nodmarc.com
            temp.com          | temp.com           | PASS | ''                 | TEMPERROR | none       | false | false | temp.com
            a.b.example.test  | other.net          | FAIL | ''                 | FAIL      | quarantine | false | false | example.test
            a.b.example.test  | other.net          | FAIL | example.test       | PASS      | none       | false | true  | example.test
            mail.example.co.uk | co.uk             | PASS | ''                 | FAIL      | reject     | false | false | example.co.uk
            EXAMPLE.COM.      | Example.Com        | PASS | ''                 | PASS      | none       | true  | false | example.com
            """)
    void evaluates(String from, String spfDomain, SpfResult.Result spf, String dkim, DmarcResult.Result expected,
            String policy, boolean spfAligned, boolean dkimAligned, String org) {
        List<DkimPass> passes = dkim.isEmpty() ? List.of()
                : Arrays.stream(dkim.split(" ")).map(DkimPass::new).toList();
        DmarcResult result = new Dmarc(lookups, fixed(99))
                .evaluate(from, new SpfResult(spf, spfDomain, "", ""), passes);
        assertThat(result.result()).isEqualTo(expected);
        assertThat(result.policy()).isEqualTo(policy);
        assertThat(result.spfAligned()).isEqualTo(spfAligned);
        assertThat(result.dkimAligned()).isEqualTo(dkimAligned);
        assertThat(result.orgDomain()).isEqualTo(org);
        assertThat(result.fromDomain()).isEqualTo(OrganizationalDomain.normalized(from));
    }

    @ParameterizedTest(name = "draw {0} with pct=50 -> {1}")
    @CsvSource({"0, reject", "49, reject", "50, quarantine", "99, quarantine"})
    void pctSamplesWithTheInjectedRandom(int draw, String policy) {
        DmarcResult result = new Dmarc(lookups, fixed(draw))
                .evaluate("half.com", new SpfResult(SpfResult.Result.FAIL, "half.com", "", ""), List.of());
        assertThat(result.policy()).isEqualTo(policy);
        assertThat(result.record()).isEqualTo("v=DMARC1; p=reject; pct=50");
    }

    @Test
    void malformedFromDomainIsPermerror() {
        assertThat(new Dmarc(lookups, fixed(0)).evaluate("localhost", null, List.of()).result())
                .isEqualTo(DmarcResult.Result.PERMERROR);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "example.com, example.com", "a.b.example.com, example.com", "mail.example.co.uk, example.co.uk",
        "co.uk, co.uk", "x.y.example.test, example.test", "example.test, example.test", "test, test",
        "foo.bar.github.io, bar.github.io", "Mail.Example.COM., example.com"})
    void organizationalDomains(String domain, String org) {
        assertThat(OrganizationalDomain.of(domain)).isEqualTo(org);
    }

    /** A random source whose nextInt(bound) always answers {@code value}. */
    private static RandomGenerator fixed(int value) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return value;
            }

            @Override
            public int nextInt(int bound) {
                return value;
            }
        };
    }
}
