package sluice.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import sluice.smtp.Mailbox;
import sluice.smtp.Originators;
import sluice.smtp.SendAs;

/** The one may-send-as rule every door uses: envelope sender, then every originator address; the signing domain. */
class SendAsRuleTest {
    private static final User ALICE = new User("alice@a.example", List.of("alice@a.example", "@news.a.example"));

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            // envelope sender   | header lines (\n between)                            | verdict
            "alice@a.example     | From: Alice <alice@a.example>                          | allowed a.example",
            "alice@a.example     | From: CEO <ceo@b.example>                              | refused ceo@b.example (From)",
            "ceo@b.example       | From: alice@a.example                                  | refused ceo@b.example (envelope sender)",
            "alice@a.example     | From: alice@a.example\\nSender: ceo@b.example           | refused ceo@b.example (Sender)",
            "alice@a.example     | From: alice@a.example\\nResent-From: ceo@b.example      | refused ceo@b.example (Resent-From)",
            "alice@a.example     | From: alice@a.example\\nResent-Sender: ceo@b.example    | refused ceo@b.example (Resent-Sender)",
            "alice@a.example     | From: alice@a.example, ceo@b.example                   | refused ceo@b.example (From)",
            "alice@a.example     | From: \"<ceo@b.example>\" : alice@a.example;           | allowed a.example",
            "alice@a.example     | From: x@news.a.example\\nSender: alice@a.example        | allowed news.a.example",
            "alice@a.example     | From: x@sub.news.a.example                             | refused x@sub.news.a.example (From)",
            "ALICE@A.EXAMPLE     | From: Alice@A.Example                                  | allowed a.example",
            // the null sender is allowed, as Postfix's reject_sender_login_mismatch allows it; From still applies
            "NULL                | From: alice@a.example                                  | allowed a.example",
            "NULL                | From: MAILER-DAEMON <ceo@b.example>                    | refused ceo@b.example (From)",
            "alice@a.example     | Subject: no From at all                                | allowed null",
            "alice@a.example     | From: undisclosed                                      | unreadable the From field",
    })
    void verdicts(String sender, String header, String expected) {
        byte[] message = (header.strip().replace("\\n", "\r\n") + "\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8);
        SendAs v = SendAsRule.check(ALICE, sender == null ? null : Mailbox.parse(sender), Originators.parse(message));
        String got = switch (v) {
            case SendAs.Allowed a -> "allowed " + a.signingDomain();
            case SendAs.Refused r -> "refused " + r.address() + " (" + r.field() + ")";
            case SendAs.Unreadable u -> "unreadable " + u.problem();
            case SendAs.Unavailable u -> "unavailable";
        };
        assertThat(got).startsWith(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "From: ceo@b.example           | b.example",
            "From: undisclosed             | NULL",
    })
    void aTrustedRelaySendsAsAnyoneAndIsSignedForTheAuthorDomainItRead(String header, String domain) {
        Originators o = Originators.parse((header.strip() + "\r\n\r\nx\r\n").getBytes(StandardCharsets.UTF_8));
        assertThat(SendAsRule.trusted(o)).isEqualTo(new SendAs.Allowed(domain));
    }

    @org.junit.jupiter.api.Test
    void theRefusalReplyNamesTheAddressAndTheField() {
        assertThat(new SendAs.Refused("alice@a.example", "ceo@b.example", "From").reply().summary())
                .isEqualTo("550 5.7.1 Sender address not owned by the authenticated user: ceo@b.example (From)");
    }
}
