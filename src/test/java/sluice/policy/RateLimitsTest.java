package sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import sluice.config.LimitsConfig;
import sluice.testkit.MutableClock;

/** The per-IP rates count an IPv6 client by its network ([limits] ipv6_prefix), so a /64 is one client. */
class RateLimitsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));

    private static LimitsConfig limits(int ipv6Prefix) {
        return new LimitsConfig(26_214_400L, 100, 10_000, 50, 10, 3, 3, 0, ipv6Prefix);
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void addressesOfOneSlash64ShareTheConnectionAndMessageRates() throws Exception {
        RateLimits r = new RateLimits(limits(64), clock);
        for (int i = 1; i <= 3; i++) assertThat(r.connectionAllowed(ip("2001:db8:1:2::" + i), false)).isTrue();
        assertThat(r.connectionAllowed(ip("2001:db8:1:2:ffff::99"), false)).as("a fresh address of the same /64").isFalse();
        assertThat(r.connectionAllowed(ip("2001:db8:1:3::1"), false)).as("the next /64").isTrue();

        for (int i = 1; i <= 3; i++) {
            assertThat(r.message(ip("2001:db8:1:2::" + (100 + i)), false, null)).isEqualTo(RateLimits.Verdict.ALLOWED);
        }
        assertThat(r.message(ip("2001:db8:1:2::7777"), false, null)).isEqualTo(RateLimits.Verdict.CLIENT_OVER);
    }

    @Test
    void aPrefixOf128CountsEachAddress() throws Exception {
        RateLimits r = new RateLimits(limits(128), clock);
        for (int i = 1; i <= 3; i++) assertThat(r.connectionAllowed(ip("2001:db8::1"), false)).isTrue();
        assertThat(r.connectionAllowed(ip("2001:db8::1"), false)).isFalse();
        assertThat(r.connectionAllowed(ip("2001:db8::2"), false)).isTrue();
    }

    @Test
    void loopbackAndMappedAddresses() throws Exception {
        RateLimits r = new RateLimits(limits(64), clock);
        for (int i = 0; i < 3; i++) assertThat(r.connectionAllowed(ip("::1"), false)).isTrue();
        assertThat(r.connectionAllowed(ip("::2"), false)).as("::1 and ::2 share ::/64").isFalse();
        for (int i = 0; i < 3; i++) assertThat(r.connectionAllowed(ip("192.0.2.1"), false)).isTrue();
        assertThat(r.connectionAllowed(ip("::ffff:192.0.2.1"), false)).as("mapped counts as the IPv4 address").isFalse();
        assertThat(r.connectionAllowed(ip("::2"), true)).as("trusted networks are exempt").isTrue();
    }
}
