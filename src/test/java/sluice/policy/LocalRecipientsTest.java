package sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LocalRecipientsTest {
    private final LocalRecipients recipients = new LocalRecipients(List.of("a.test", "B.test"), aliases(),
            Map.of("b.test", "bob@b.test"), Set.of("alice@a.test", "bob@b.test")::contains);

    private static Map<String, List<String>> aliases() {
        Map<String, List<String>> a = new java.util.HashMap<>(Map.of(
                "info@a.test", List.of("alice@a.test", "ops@far.test"),
                "team@a.test", List.of("info@a.test", "bob@b.test"),
                "loop1@a.test", List.of("loop2@a.test"),
                "loop2@a.test", List.of("loop1@a.test", "alice@a.test")));
        for (int i = 0; i < 12; i++) a.put("deep" + i + "@a.test", List.of("deep" + (i + 1) + "@a.test"));
        return a;
    }

    @ParameterizedTest(name = "{0} -> {1} / {2}")
    @CsvSource(delimiter = '|', textBlock = """
            alice@a.test     | alice@a.test             |
            ALICE@A.TEST     | alice@a.test             |
            info@a.test      | alice@a.test             | ops@far.test
            team@a.test      | alice@a.test bob@b.test  | ops@far.test
            postmaster@a.test| postmaster@a.test        |
            anyone@b.test    | bob@b.test               |
            loop1@a.test     | alice@a.test             |
            """)
    void expandsUsersAliasesCatchAllsAndPostmaster(String address, String mailboxes, String forwards) {
        var targets = (LocalRecipients.Expansion.Targets) recipients.expand(address);
        assertThat(targets.mailboxes()).containsExactlyInAnyOrder(mailboxes.split(" "));
        assertThat(targets.forwards()).containsExactlyInAnyOrder(forwards == null ? new String[0] : forwards.split(" "));
        assertThat(recipients.exists(address)).isTrue();
    }

    @Test
    void unknownAddressesAndRunawayAliasesAreNotMailboxes() {
        assertThat(recipients.expand("nobody@a.test")).isInstanceOf(LocalRecipients.Expansion.Unknown.class);
        assertThat(recipients.exists("nobody@a.test")).isFalse();
        assertThat(recipients.expand("deep0@a.test")).isInstanceOf(LocalRecipients.Expansion.Loop.class);
    }
}
