package sluice.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The one reading of From, Sender, Resent-From and Resent-Sender that may-send-as, the DKIM signer and DMARC share.
 * "|" separates columns, "\n" in an input stands for a line break (CRLF, or LF where the case says so).
 */
class OriginatorsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            // input header lines                                   | addresses (field=address, ...)                       | author domain  | problem
            "From: Alice <alice@Example.COM>                        | From=alice@Example.COM                                | example.com    | NULL",
            "From: alice@example.com (Alice at work)                | From=alice@example.com                                | example.com    | NULL",
            "From: \"a@b\" <alice@sub.example.com>                  | From=alice@sub.example.com                            | sub.example.com| NULL",
            // the signer used to take the last '<' and sign b.example; the group's member is the author
            "From: \"<ceo@b.example>\" : alice@a.example;           | From=alice@a.example                                  | a.example      | NULL",
            // the old DMARC reading took the '<' inside the comment and evaluated evil.test
            "From: ceo@paypal.test (<x@evil.test>)                  | From=ceo@paypal.test                                  | paypal.test    | NULL",
            "From: a@one.test, B <b@two.test>                       | From=a@one.test,From=b@two.test                       | one.test       | NULL",
            "From: a@one.test\\nFrom: b@two.test                     | From=a@one.test,From=b@two.test                       | one.test       | NULL",
            "From: A\\n  <a@one.test>\\nSender: s@two.test            | From=a@one.test,Sender=s@two.test                     | one.test       | NULL",
            "Resent-From: r@two.test\\nRESENT-SENDER : t@three.test  | Resent-From=r@two.test,Resent-Sender=t@three.test     | NULL           | NULL",
            "Subject: From: x@evil.test\\nTo: b@far.test             | ''                                                    | NULL           | NULL",
            "X-From: x@evil.test\\nFrom: a@one.test                  | From=a@one.test                                       | one.test       | NULL",
            "From: undisclosed                                      | ''                                                    | NULL           | the From field: bad address \"undisclosed\"",
            "Sender: \"open <s@x.test>                              | ''                                                    | NULL           | the Sender field: unbalanced",
            "From: a@one.test\\n\\nFrom: b@body.test                  | From=a@one.test                                       | one.test       | NULL",
    })
    void readsEveryOriginatorField(String header, String addresses, String domain, String problem) {
        for (String eol : List.of("\r\n", "\n")) {
            byte[] message = (header.strip().replace("\\n", eol) + eol + "Subject: x" + eol + eol + "body" + eol)
                    .getBytes(StandardCharsets.UTF_8);
            if (header.contains("\\n\\n")) message = (header.strip().replace("\\n", eol) + eol).getBytes(StandardCharsets.UTF_8);
            Originators o = Originators.parse(message);
            String got = String.join(",", o.addresses().stream().map(a -> a.field() + "=" + a.mailbox().address()).toList());
            assertThat(got).as(header).isEqualTo(addresses);
            assertThat(o.authorDomain()).as(header).isEqualTo(domain);
            if (problem == null) assertThat(o.problem()).as(header).isNull();
            else assertThat(o.problem()).as(header).startsWith(problem);
        }
    }

    @org.junit.jupiter.api.Test
    void aControlCharacterIsNeverReadAsPartOfAnAddressList() {
        for (String value : List.of("bob@a.test\r\nX: carol@b.test", "bob@a.test\nX: carol@b.test", "\"Bob\u0000\" <bob@a.test>")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> AddressList.parse(value)).as(value)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("control character");
        }
    }

    @org.junit.jupiter.api.Test
    void aFromFieldAfterMegabytesOfOtherFieldsIsStillRead() {
        String filler = ("X-Filler: " + "f".repeat(900) + "\r\n").repeat(3000); // 2.7 MB
        byte[] message = (filler + "From: ceo@b.example\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);
        assertThat(Originators.parse(message).authorDomain()).isEqualTo("b.example");
    }
}
