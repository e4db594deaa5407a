package sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import sluice.config.IpLiterals;
import sluice.dns.Resolver;
import sluice.testkit.TestDnsServer;

/** RFC 5782 lookups against an in-process DNS server: what counts as a listing, and failing open. */
class DnsblTest {
    private TestDnsServer dns;
    private Resolver resolver;

    @BeforeEach
    void start() {
        dns = TestDnsServer.start();
        resolver = Resolver.create(List.of(dns.address()), Duration.ofMillis(500), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private static InetAddress ip(String literal) {
        return IpLiterals.toAddress(literal);
    }

    @Test
    void aListedClientIsFoundInTheFirstZoneThatListsIt() {
        dns.a("7.113.0.203.bl.one.test", "127.0.0.2").a("7.113.0.203.bl.two.test", "127.0.0.4");
        Optional<Dnsbl.Listing> l = new Dnsbl(List.of("bl.one.test", "bl.two.test"), resolver).check(ip("203.0.113.7"));
        assertThat(l).contains(new Dnsbl.Listing("bl.one.test", List.of("127.0.0.2")));
    }

    @Test
    void aClientNoZoneListsPasses() {
        dns.a("7.113.0.203.bl.one.test", "127.0.0.2");
        assertThat(new Dnsbl(List.of("bl.one.test"), resolver).check(ip("203.0.113.8"))).isEmpty();
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "127.0.0.2, a listing",
            "127.0.0.11, a listing",
            "127.0.1.2, a listing",
            "127.0.0.1, no listing",
            "127.255.255.254, no listing",
            "127.255.255.252, no listing",
            "192.0.2.1, no listing",
    })
    void onlyCodesInTheLoopbackNetworkListAndTheListsErrorCodesDoNot(String code, String meaning) {
        dns.a("7.113.0.203.bl.one.test", code);
        boolean listed = new Dnsbl(List.of("bl.one.test"), resolver).check(ip("203.0.113.7")).isPresent();
        assertThat(listed).isEqualTo(meaning.equals("a listing"));
    }

    @Test
    void aZoneThatDoesNotAnswerListsNobody() {
        dns.servfail("7.113.0.203.bl.broken.test").a("7.113.0.203.bl.one.test", "127.0.0.2");
        Dnsbl d = new Dnsbl(List.of("bl.broken.test"), resolver);
        assertThat(d.check(ip("203.0.113.7"))).isEmpty();
        // a later zone is still asked
        assertThat(new Dnsbl(List.of("bl.broken.test", "bl.one.test"), resolver).check(ip("203.0.113.7")))
                .map(Dnsbl.Listing::zone).contains("bl.one.test");
    }

    @Test
    void ipv6ClientsAreLookedUpByReversedNibbles() {
        dns.a("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.one.test", "127.0.0.2");
        assertThat(new Dnsbl(List.of("bl.one.test"), resolver).check(ip("2001:db8::1"))).isPresent();
    }

    @Test
    void answersAreCachedForTheirTtl() {
        dns.ttl(300).a("7.113.0.203.bl.one.test", "127.0.0.2");
        Dnsbl d = new Dnsbl(List.of("bl.one.test"), resolver);
        for (int i = 0; i < 5; i++) assertThat(d.check(ip("203.0.113.7"))).isPresent();
        assertThat(dns.queries("7.113.0.203.bl.one.test")).isEqualTo(1);
    }
}
