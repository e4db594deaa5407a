package sluice.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import sluice.config.ListenerMode;

/**
 * May-send-as after DATA on a submission session, without a network: alice@example.test may send as @example.test
 * (the real rule, through SessionDialogTest's policy). The refusal names the address and the field; an accepted
 * message carries the signing domain the verdict named to the sink.
 */
class SendAsDialogTest {
    private final SessionDialogTest.FakePolicy policy = new SessionDialogTest.FakePolicy();
    private final SessionDialogTest.FakeSink sink = new SessionDialogTest.FakeSink();

    private Session submission() throws Exception {
        var ctx = new SessionContext("mx.test", ListenerMode.SUBMISSIONS, 465, true, true, true,
                InetAddress.getByAddress(new byte[] {10, 0, 0, 1}), 100_000, 3, 100, Clock.systemUTC());
        Session s = new Session(ctx, policy, sink);
        SessionDialogTest.dialog(s, """
                C: EHLO c.test
                S: 250
                C: AUTH PLAIN %s
                S: 235 2.7.0
                """.formatted(SessionDialogTest.PLAIN_OK));
        return s;
    }

    @ParameterizedTest(name = "MAIL FROM:<{0}> / {1}")
    @CsvSource(delimiter = '|', value = {
            // MAIL FROM        | header lines (\n between)                              | reply
            "alice@example.test | From: Alice <alice@example.test>                         | 250 2.0.0 OK: queued as Q1 | example.test",
            "alice@example.test | From: CEO <ceo@other.test>                               | 550 5.7.1 Sender address not owned by the authenticated user: ceo@other.test (From) | -",
            "alice@example.test | From: alice@example.test\\nSender: ceo@other.test         | 550 5.7.1 Sender address not owned by the authenticated user: ceo@other.test (Sender) | -",
            "alice@example.test | From: alice@example.test\\nResent-From: ceo@other.test    | 550 5.7.1 Sender address not owned by the authenticated user: ceo@other.test (Resent-From) | -",
            "alice@example.test | From: \"<ceo@other.test>\" : alice@example.test;         | 250 2.0.0 OK: queued as Q1 | example.test",
            "alice@example.test | From: undisclosed                                        | 550 5.6.0 Message refused: the From field: bad address \"undisclosed\" | -",
            "''                 | From: alice@example.test                                 | 250 2.0.0 OK: queued as Q1 | example.test",
            "''                 | From: MAILER-DAEMON <ceo@other.test>                     | 550 5.7.1 Sender address not owned by the authenticated user: ceo@other.test (From) | -",
    })
    void theOriginatorsAreCheckedAfterData(String mailFrom, String header, String reply, String signingDomain) throws Exception {
        Session s = submission();
        SessionDialogTest.dialog(s, """
                C: MAIL FROM:<%s>
                S: 250 2.1.0
                C: RCPT TO:<bob@far.test>
                S: 250 2.1.5
                C: DATA
                S: 354
                """.formatted(mailFrom));
        byte[] data = (header.strip().replace("\\n", "\r\n") + "\r\nSubject: x\r\n\r\nbody\r\n.\r\n").getBytes(StandardCharsets.UTF_8);
        s.dataDecoder().feed(data, 0, data.length);
        Reply r = s.dataFinished();
        assertThat(r.code() + " " + r.status() + " " + r.lines().get(0)).startsWith(reply);
        if (r.code() == 250) {
            assertThat(sink.drafts).singleElement().extracting(Draft::signingDomain).isEqualTo(signingDomain);
        } else {
            assertThat(sink.drafts).isEmpty();
            assertThat(sink.refusals).containsExactly(r);
            assertThat(s.busy()).as("the transaction is over").isFalse();
        }
    }

    @org.junit.jupiter.api.Test
    void aForeignEnvelopeSenderIsRefusedAtMailByName() throws Exception {
        Session s = submission();
        Reply r = s.onLine("MAIL FROM:<mallory@other.test>");
        assertThat(r.summary()).isEqualTo("550 5.7.1 Sender address not owned by the authenticated user: mallory@other.test (envelope sender)");
    }
}
