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
            Map.of("b.test", "bob@b.test"), Set.of("alice@a.test", "bob@b.test", "carol@a.test")::contains);

    private static Map<String, List<String>> aliases() {
        Map<String, List<String>> a = new java.util.HashMap<>(Map.of(
                "info@a.test", List.of("alice@a.test", "Ops@Far.test"),
                "team@a.test", List.of("info@a.test", "bob@b.test"),
                "loop1@a.test", List.of("loop2@a.test"),
                "loop2@a.test", List.of("loop1@a.test", "alice@a.test"),
                "copy@a.test", List.of("copy@a.test", "alice@a.test"),
                "diamond@a.test", List.of("info@a.test", "team@a.test")));
        a.put("Gone@A.test", List.of("alice@a.test", "removed@a.test"));
        for (int i = 0; i < 12; i++) a.put("deep" + i + "@a.test", List.of("deep" + (i + 1) + "@a.test"));
        return a;
    }

    @ParameterizedTest(name = "{0} -> {1} / {2}")
    @CsvSource(delimiter = '|', textBlock = """
            alice@a.test     | alice@a.test             |
            ALICE@A.TEST     | alice@a.test             |
            info@a.test      | alice@a.test             | Ops@Far.test
            team@a.test      | alice@a.test bob@b.test  | Ops@Far.test
            postmaster@a.test| postmaster@a.test        |
            anyone@b.test    | bob@b.test               |
            Carol@A.test     | carol@a.test             |
            copy@a.test      | copy@a.test alice@a.test |
            diamond@a.test   | alice@a.test bob@b.test  | Ops@Far.test
            """)
    void expandsUsersAliasesCatchAllsAndPostmaster(String address, String mailboxes, String forwards) {
        var targets = (LocalRecipients.Expansion.Targets) recipients.expand(address);
        assertThat(targets.mailboxes()).containsExactlyInAnyOrder(mailboxes.split(" "));
        assertThat(targets.forwards()).containsExactlyInAnyOrder(forwards == null ? new String[0] : forwards.split(" "));
        assertThat(recipients.exists(address)).isTrue();
    }

    /** Issue 9: a -> b -> a and an alias to a removed user were "delivered" to nobody. */
    @Test
    void aliasLoopsAndDanglingTargetsAreNeverTargets() {
        assertThat(recipients.expand("loop1@a.test")).isEqualTo(
                new LocalRecipients.Expansion.Loop("loop1@a.test -> loop2@a.test -> loop1@a.test"));
        assertThat(recipients.exists("loop2@a.test")).isFalse();
        assertThat(recipients.expand("GONE@a.test")).isEqualTo(new LocalRecipients.Expansion.Unknown("removed@a.test"));
        assertThat(recipients.exists("gone@a.test")).isFalse();
        // b.test's catch-all still catches what no alias or user claims.
        assertThat(recipients.exists("whoever@b.test")).isTrue();
    }

    @Test
    void problemsNameEachBrokenAliasAndCatchAllByItsConfigKey() {
        LocalRecipients r = new LocalRecipients(List.of("a.test"), Map.of(
                "a@a.test", List.of("b@a.test"), "b@a.test", List.of("a@a.test"),
                "ok@a.test", List.of("alice@a.test"), "x@a.test", List.of("nobody@a.test")),
                Map.of("a.test", "ghost@a.test"), Set.of("alice@a.test")::contains);
        assertThat(r.problems()).extracting(p -> String.join("/", p.key()) + ": " + p.message()).containsExactlyInAnyOrder(
                "local/aliases/a@a.test: alias loop: a@a.test -> b@a.test -> a@a.test",
                "local/aliases/b@a.test: alias loop: b@a.test -> a@a.test -> b@a.test",
                "local/aliases/x@a.test: target ghost@a.test is no local user, alias or catch-all "
                        + "(add it with `sluice user add ghost@a.test`, or change the target)",
                "local/catch_all/a.test: target ghost@a.test is no local user, alias or catch-all "
                        + "(add it with `sluice user add ghost@a.test`, or change the target)");
    }

    @Test
    void unknownAddressesAndRunawayAliasesAreNotMailboxes() {
        assertThat(recipients.expand("nobody@a.test")).isInstanceOf(LocalRecipients.Expansion.Unknown.class);
        assertThat(recipients.exists("nobody@a.test")).isFalse();
        assertThat(recipients.expand("deep0@a.test")).isInstanceOf(LocalRecipients.Expansion.Loop.class);
    }
}
