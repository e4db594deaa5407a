package sluice.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.xbill.DNS.Address;
import sluice.testkit.MutableClock;
import sluice.testkit.TestDnsServer;

class ResolverTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-01T00:00:00Z"));
    private TestDnsServer dns;
    private Resolver resolver;

    @BeforeEach
    void start() {
        dns = TestDnsServer.start();
        resolver = Resolver.create(List.of(dns.address()), TIMEOUT, clock);
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    static Stream<Arguments> mxCases() {
        return Stream.of(
                mxCase("sorted by preference, then name", "example.test",
                        z -> z.mx("example.test", 20, "mx2.example.test").mx("example.test", 10, "MX1.Example.TEST.")
                                .mx("example.test", 10, "mx0.example.test"),
                        new MxAnswer.Hosts(List.of(new MxHost("mx0.example.test", 10), new MxHost("mx1.example.test", 10),
                                new MxHost("mx2.example.test", 20)), false)),
                mxCase("domain given in upper case with trailing dot", "Example.TEST.",
                        z -> z.mx("example.test", 5, "mx.example.test"),
                        new MxAnswer.Hosts(List.of(new MxHost("mx.example.test", 5)), false)),
                mxCase("implicit MX from A", "v4only.test", z -> z.a("v4only.test", "127.0.0.9"),
                        new MxAnswer.Hosts(List.of(new MxHost("v4only.test", 0)), true)),
                mxCase("implicit MX from AAAA", "v6only.test", z -> z.aaaa("v6only.test", "::1"),
                        new MxAnswer.Hosts(List.of(new MxHost("v6only.test", 0)), true)),
                mxCase("null MX", "nomail.test", z -> z.nullMx("nomail.test"), new MxAnswer.NullMx()),
                mxCase("NXDOMAIN", "nowhere.test", z -> {}, new MxAnswer.NoSuchDomain("NXDOMAIN: nowhere.test")),
                mxCase("NODATA and no address", "textonly.test", z -> z.txt("textonly.test", "v=spf1 -all"),
                        new MxAnswer.NoSuchDomain("no MX and no address records: textonly.test")),
                mxCase("CNAME at the MX name is followed", "alias.test",
                        z -> z.cname("alias.test", "real.test").mx("real.test", 5, "mx.real.test"),
                        new MxAnswer.Hosts(List.of(new MxHost("mx.real.test", 5)), false)),
                mxCase("malformed domain", "a..b", z -> {},
                        new MxAnswer.NoSuchDomain("invalid domain name 'a..b': Empty label is not a legal name")));
    }

    private static Arguments mxCase(String what, String domain, Consumer<TestDnsServer> zone, MxAnswer expected) {
        return Arguments.of(what, domain, zone, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mxCases")
    void mx(String what, String domain, Consumer<TestDnsServer> zone, MxAnswer expected) {
        zone.accept(dns);
        assertThat(resolver.mx(domain)).isEqualTo(expected);
    }

    @Test
    void servfailIsTempFail() {
        dns.servfail("broken.test");
        assertThat(resolver.mx("broken.test")).isInstanceOfSatisfying(MxAnswer.TempFail.class,
                t -> assertThat(t.detail()).contains("SERVFAIL").contains("broken.test/MX"));
    }

    @Test
    void droppedQueryIsTempFailAfterTheTimeout() {
        Resolver quick = Resolver.create(List.of(dns.address()), Duration.ofMillis(300), clock);
        dns.drop("silent.test");
        long start = System.nanoTime();
        MxAnswer answer = quick.mx("silent.test");
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        assertThat(answer).isInstanceOfSatisfying(MxAnswer.TempFail.class,
                t -> assertThat(t.detail()).contains("no answer within 300 ms"));
        assertThat(elapsed).isBetween(Duration.ofMillis(250), Duration.ofMillis(1500));
    }

    @Test
    void slowAnswerWithinTheTimeoutIsAnswer() {
        dns.mx("slow.test", 10, "mx.slow.test").delay("slow.test", Duration.ofMillis(200));
        assertThat(resolver.mx("slow.test")).isEqualTo(new MxAnswer.Hosts(List.of(new MxHost("mx.slow.test", 10)), false));
    }

    @Test
    void answersAreCachedForTheirTtl() {
        dns.ttl(60).mx("cached.test", 10, "mx.cached.test");
        MxAnswer first = resolver.mx("cached.test");
        clock.advance(Duration.ofSeconds(59));
        assertThat(resolver.mx("cached.test")).isEqualTo(first);
        assertThat(dns.queries("cached.test")).isEqualTo(1);
        assertThat(resolver.stats().cacheHits()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(1));
        assertThat(resolver.mx("cached.test")).isEqualTo(first);
        assertThat(dns.queries("cached.test")).isEqualTo(2);
    }

    @Test
    void nxdomainIsCachedForTheSoaMinimum() {
        dns.ttl(120);
        assertThat(resolver.mx("gone.test")).isInstanceOf(MxAnswer.NoSuchDomain.class);
        dns.mx("gone.test", 10, "mx.gone.test"); // appears, but the negative answer is still fresh
        clock.advance(Duration.ofSeconds(119));
        assertThat(resolver.mx("gone.test")).isInstanceOf(MxAnswer.NoSuchDomain.class);
        assertThat(dns.queries("gone.test")).isEqualTo(1);

        clock.advance(Duration.ofSeconds(1));
        assertThat(resolver.mx("gone.test")).isInstanceOf(MxAnswer.Hosts.class);
        assertThat(dns.queries("gone.test")).isEqualTo(2);
    }

    @Test
    void nodataIsCachedForTheSoaMinimum() {
        dns.ttl(30).a("bare.test", "127.0.0.9");
        assertThat(resolver.txt("bare.test")).isEqualTo(new TxtAnswer.NoRecords());
        assertThat(resolver.txt("bare.test")).isEqualTo(new TxtAnswer.NoRecords());
        assertThat(dns.queries("bare.test")).isEqualTo(1);
        clock.advance(Duration.ofSeconds(30));
        resolver.txt("bare.test");
        assertThat(dns.queries("bare.test")).isEqualTo(2);
    }

    @Test
    void failureIsKeptOnlySeconds() {
        dns.servfail("flaky.test");
        assertThat(resolver.mx("flaky.test")).isInstanceOf(MxAnswer.TempFail.class);
        dns.remove("flaky.test").mx("flaky.test", 10, "mx.flaky.test");
        assertThat(resolver.mx("flaky.test")).isInstanceOf(MxAnswer.TempFail.class);
        clock.advance(AnswerCache.FAILURE);
        assertThat(resolver.mx("flaky.test")).isInstanceOf(MxAnswer.Hosts.class);
        assertThat(dns.queries("flaky.test")).isEqualTo(2);
    }

    @Test
    void largeMxAnswerIsRetriedOverTcp() {
        List<MxHost> expected = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String host = "mx-%02d-with-a-long-label-to-defeat-compression.provider-%02d.test".formatted(i, i);
            dns.mx("big.test", 10 + i, host);
            expected.add(new MxHost(host, 10 + i));
        }
        assertThat(resolver.mx("big.test")).isEqualTo(new MxAnswer.Hosts(expected, false));
        assertThat(dns.tcpQueries()).isEqualTo(1);
    }

    @Test
    void longTxtIsSplitIntoChunksAndJoinedAgainOverTcp() {
        String text = "v=spf1 " + "ip4:192.0.2.1 ".repeat(150) + "-all";
        dns.txt("spf.test", text).txt("spf.test", "second record");
        assertThat(resolver.txt("spf.test")).isEqualTo(new TxtAnswer.Records(List.of(text, "second record")));
        assertThat(dns.tcpQueries()).isEqualTo(1);
    }

    @Test
    void txtOfMissingName() {
        assertThat(resolver.txt("_dmarc.nowhere.test")).isEqualTo(new TxtAnswer.NoSuchDomain("NXDOMAIN: _dmarc.nowhere.test"));
    }

    @Test
    void addressesAreIpv6ThenIpv4() throws Exception {
        dns.a("dual.test", "192.0.2.1").aaaa("dual.test", "2001:db8::1").aaaa("dual.test", "::1");
        assertThat(resolver.addresses("dual.test")).isEqualTo(new AddressAnswer.Addresses(
                List.of(ip("2001:db8::1"), ip("::1"), ip("192.0.2.1"))));
    }

    @Test
    void addressesOfNamesWithout() {
        dns.mx("mailonly.test", 10, "mx.mailonly.test").servfail("broken.test");
        assertThat(resolver.addresses("mailonly.test")).isEqualTo(new AddressAnswer.NoAddresses());
        assertThat(resolver.addresses("nowhere.test")).isEqualTo(new AddressAnswer.NoSuchDomain("NXDOMAIN: nowhere.test"));
        assertThat(resolver.addresses("broken.test")).isInstanceOf(AddressAnswer.TempFail.class);
    }

    @Test
    void addressesOfAnIpv4OnlyHost() throws Exception {
        dns.a("v4only.test", "192.0.2.7");
        assertThat(resolver.addresses("v4only.test")).isEqualTo(new AddressAnswer.Addresses(List.of(ip("192.0.2.7"))));
    }

    @Test
    void noQueryForAMalformedName() {
        assertThat(resolver.txt("a..b")).isInstanceOf(TxtAnswer.NoSuchDomain.class);
        assertThat(resolver.addresses("")).isInstanceOf(AddressAnswer.NoSuchDomain.class);
        assertThat(resolver.stats().queries()).isZero();
    }

    @Test
    void laterServerAnswersWhenTheFirstFails() {
        try (TestDnsServer broken = TestDnsServer.start()) {
            broken.servfail("example.test");
            dns.mx("example.test", 10, "mx.example.test");
            Resolver twoServers = Resolver.create(List.of(broken.address(), dns.address()), TIMEOUT, clock);
            assertThat(twoServers.mx("example.test")).isEqualTo(new MxAnswer.Hosts(List.of(new MxHost("mx.example.test", 10)), false));
            assertThat(broken.queries("example.test")).isEqualTo(1);
        }
    }

    @Test
    void hostNameAsServerIsRejected() {
        assertThatThrownBy(() -> Resolver.create(List.of("ns1.example.com"), TIMEOUT, clock))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("DNS server 'ns1.example.com': not an IP address literal (host names are not accepted: resolving them would need DNS)");
    }

    @Test
    void concurrentLookupsFromVirtualThreadsShareOneQueryPerQuestion() throws Exception {
        for (int d = 0; d < 5; d++) {
            dns.mx("d" + d + ".test", 10, "mx.d" + d + ".test").delay("d" + d + ".test", Duration.ofMillis(100));
        }
        List<Future<MxAnswer>> answers = new ArrayList<>();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            IntStream.range(0, 50).forEach(i -> answers.add(threads.submit(() -> resolver.mx("d" + (i % 5) + ".test"))));
        }
        for (int i = 0; i < 50; i++) {
            int d = i % 5;
            assertThat(answers.get(i).get()).isEqualTo(new MxAnswer.Hosts(List.of(new MxHost("mx.d" + d + ".test", 10)), false));
        }
        for (int d = 0; d < 5; d++) {
            assertThat(dns.queries("d" + d + ".test")).isEqualTo(1);
        }
    }

    private static InetAddress ip(String literal) throws Exception {
        byte[] bytes = Address.toByteArray(literal, literal.contains(":") ? Address.IPv6 : Address.IPv4);
        return InetAddress.getByAddress(bytes);
    }
}
