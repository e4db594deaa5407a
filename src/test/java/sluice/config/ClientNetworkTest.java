package sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The key a per-client limit counts an address under. */
class ClientNetworkTest {
    @ParameterizedTest(name = "{0} /{1} -> {2}")
    @CsvSource({
            // client, ipv6_prefix, key
            "192.0.2.7,                     64,  192.0.2.7",
            "::ffff:192.0.2.7,              64,  192.0.2.7",              // IPv4-mapped: its IPv4 address
            "::1,                           64,  ::",
            "::1,                           128, ::1",
            "2001:db8:1:2:aaaa:bbbb:cccc:dddd, 64,  2001:db8:1:2::",
            "2001:db8:1:2:ffff:ffff:ffff:ffff, 64,  2001:db8:1:2::",
            "2001:db8:1:3::1,               64,  2001:db8:1:3::",          // the next /64 is another client
            "2001:db8:1:2:aaaa::1,          56,  2001:db8:1::",
            "2001:db8:1:ff:aaaa::1,         56,  2001:db8:1::",
            "2001:db8:1:1ff::1,             56,  2001:db8:1:100::",
            "2001:db8:ffff:ffff::1,         48,  2001:db8:ffff::",
            "2001:db8:ffff:ffff::1,         32,  2001:db8::",
            "2001:db8::7,                   127, 2001:db8::6",
            "2001:db8::7,                   128, 2001:db8::7",
            "fe80::1%1,                     64,  fe80::",                  // scope dropped: one key per network
    })
    void keys(String client, int prefix, String key) throws Exception {
        InetAddress in = InetAddress.getByName(client); // literals only: no lookup
        assertThat(ClientNetwork.of(in, prefix)).isEqualTo(InetAddress.getByName(key));
    }

    @ParameterizedTest
    @CsvSource({"2001:db8::1, 2001:db8::2, 64, true", "2001:db8::1, 2001:db8:0:1::1, 64, false",
            "2001:db8::1, 2001:db8::2, 128, false", "192.0.2.1, 192.0.2.2, 32, false"})
    void sameKey(String a, String b, int prefix, boolean same) throws Exception {
        assertThat(ClientNetwork.of(InetAddress.getByName(a), prefix).equals(ClientNetwork.of(InetAddress.getByName(b), prefix)))
                .isEqualTo(same);
    }
}
