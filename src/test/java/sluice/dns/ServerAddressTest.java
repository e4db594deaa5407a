package sluice.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServerAddressTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            192.0.2.1              | /192.0.2.1:53
            192.0.2.1:5353         | /192.0.2.1:5353
            ' 127.0.0.1:53 '       | /127.0.0.1:53
            2001:db8::1            | /[2001:db8::1]:53
            ::1                    | /[0:0:0:0:0:0:0:1]:53
            [::1]                  | /[0:0:0:0:0:0:0:1]:53
            [2001:db8::1]:5353     | /[2001:db8::1]:5353
            """)
    void parses(String server, String expected) {
        String shown = ServerAddress.parse(server).toString().replace("2001:db8:0:0:0:0:0:1", "2001:db8::1");
        assertThat(shown).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ns1.example.com", "ns1.example.com:53", "localhost", "192.0.2.1:99999", "192.0.2.1:x",
            "[::1", "[::1]x", "[192.0.2.1]:53", ""})
    void rejects(String server) {
        assertThatThrownBy(() -> ServerAddress.parse(server))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("DNS server '" + server + "': ");
    }
}
