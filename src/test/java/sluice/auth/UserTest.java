package sluice.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UserTest {

    @ParameterizedTest(name = "[{0}] may send as <{1}>: {2}")
    @CsvSource(delimiter = '|', nullValues = "NONE", textBlock = """
        # patterns (space-separated)          | sender                    | allowed
        alice@example.com                     | alice@example.com         | true
        alice@example.com                     | alice@EXAMPLE.com         | true
        alice@example.com                     | Alice@example.com         | true
        Alice@Example.COM                     | alice@example.com         | true
        alice@example.com                     | bob@example.com           | false
        alice@example.com                     | alice@example.org         | false
        alice@example.com                     | alice@mail.example.com    | false
        alice@example.com                     | alice                     | false
        alice@example.com                     | ''                        | true
        @example.com                          | anyone@example.com        | true
        @example.com                          | ANYONE@Example.Com        | true
        @example.com                          | anyone@sub.example.com    | false
        @example.com                          | anyone@badexample.com     | false
        @example.com                          | example.com               | false
        @example.com                          | anyone@                   | false
        *                                     | whoever@wherever.test     | true
        *                                     | ''                        | true
        NONE                                  | alice@example.com         | false
        NONE                                  | ''                        | true
        alice@example.com @example.org        | bob@example.org           | true
        alice@example.com @example.org        | bob@example.com           | false
        "a@b"@example.com                     | "a@b"@example.com         | true
        @example.com                          | "a@b"@example.com         | true
        """)
    void maySendAs(String patterns, String sender, boolean allowed) {
        List<String> list = patterns == null ? List.of() : Arrays.asList(patterns.trim().split("\\s+"));
        assertThat(new User("alice@example.com", list).maySendAs(sender)).isEqualTo(allowed);
    }
}
