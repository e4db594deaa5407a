package sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {
    @ParameterizedTest
    @CsvSource({
        "10.0.0.0/8,        10.1.2.3,          true",
        "10.0.0.0/8,        11.0.0.1,          false",
        "10.0.0.1/8,        10.255.0.1,        true",  // host bits are masked away
        "192.168.1.7,       192.168.1.7,       true",  // a bare address is a /32
        "192.168.1.7,       192.168.1.8,       false",
        "0.0.0.0/0,         203.0.113.9,       true",
        "0.0.0.0/0,         ::1,               false",
        "127.0.0.0/8,       ::ffff:127.0.0.1,  true",  // v4-mapped client, v4 network
        "::1/128,           ::1,               true",
        "::1/128,           ::2,               false",
        "::1/128,           127.0.0.1,         false",
        "2001:db8::/32,     2001:db8:ffff::1,  true",
        "2001:db8::/32,     2001:db9::1,       false",
        "2001:db8::/33,     2001:db8:8000::1,  false",
        "::ffff:10.0.0.0/104, 10.9.9.9,        true",  // v4-mapped network, v4 client
        "::ffff:10.0.0.0/104, 11.0.0.1,        false",
        "::ffff:0:0/95,     10.0.0.1,          false", // only v4-mapped /96 and longer cover IPv4 clients
        "::/0,              10.0.0.1,          false",
        "10.0.0.0/31,       10.0.0.1,          true",
        "10.0.0.0/31,       10.0.0.2,          false",
    })
    void contains(String cidr, String address, boolean expected) throws Exception {
        InetAddress a = InetAddress.getByAddress(IpLiterals.parse(address));
        assertThat(Cidr.parse(cidr).contains(a)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
        "10.1.2.3/8, 10.0.0.0/8", "::1, ::1/128", "2001:DB8::1/32, 2001:db8::/32", "' 10.0.0.0/24 ', 10.0.0.0/24",
        "::ffff:10.0.0.0/104, 10.0.0.0/8"
    })
    void normalizes(String text, String canonical) {
        assertThat(Cidr.parse(text)).isEqualTo(Cidr.parse(canonical));
        assertThat(Cidr.parse(text).toString()).isEqualTo(Cidr.parse(canonical).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", "example.com/24", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/x",
        "::1/129", "10.0.0/8", "256.0.0.0/8", "010.0.0.0/8", "1.2.3.4.5", "fe80::1%eth0", "10.0.0.0/", "::g"})
    void rejects(String text) {
        assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1", "[::1]", "2001:db8::1", "::ffff:1.2.3.4", "0.0.0.0"})
    void literals(String text) {
        assertThat(IpLiterals.toAddress(text)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "mail.example.com", "1.2.3", "1.2.3.4.", "", "::1::2", "1.2.3.04"})
    void notLiterals(String text) {
        assertThat(IpLiterals.parse(text)).isNull();
    }

    @org.junit.jupiter.api.Test
    void networkCannotBeChangedFromOutside() {
        Cidr c = Cidr.parse("10.0.0.0/8");
        c.network()[0] = 99;
        assertThat(c).isEqualTo(Cidr.parse("10.0.0.0/8"));
    }
}
