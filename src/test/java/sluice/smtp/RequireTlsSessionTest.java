package sluice.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Clock;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import sluice.config.ListenerMode;

/** RFC 8689 on the receiving side: REQUIRETLS in EHLO and on MAIL FROM, without a network. */
class RequireTlsSessionTest {
    final SessionDialogTest.FakePolicy policy = new SessionDialogTest.FakePolicy();
    final SessionDialogTest.FakeSink sink = new SessionDialogTest.FakeSink();

    Session session(ListenerMode mode, boolean tls) throws Exception {
        var ctx = new SessionContext("mx.test", mode, 25, false, mode == ListenerMode.SUBMISSIONS || tls, true,
                InetAddress.getByAddress(new byte[] {10, 0, 0, 1}), 1000, 3, 100, Clock.systemUTC());
        return new Session(ctx, policy, sink);
    }

    @ParameterizedTest(name = "{0}, STARTTLS done: {1} -> REQUIRETLS offered: {2}")
    @CsvSource({
            "MX, false, false",
            "MX, true, true",
            "SUBMISSION, false, false",
            "SUBMISSION, true, true",
            "SUBMISSIONS, false, true", // implicit TLS from the first byte
    })
    void ehloOffersRequireTlsOnlyInsideTls(ListenerMode mode, boolean startTls, boolean offered) throws Exception {
        Session s = session(mode, false);
        if (startTls) {
            s.onLine("EHLO c.test");
            s.onLine("STARTTLS");
            assertThat(s.wantsTls()).isTrue();
            s.tlsStarted("TLSv1.3", "TLS_AES_128_GCM_SHA256");
        }
        assertThat(s.onLine("EHLO c.test").lines().contains("REQUIRETLS")).isEqualTo(offered);
    }

    static Stream<Arguments> dialogs() {
        return Stream.of(
                Arguments.of("mx in plaintext refuses REQUIRETLS, then takes it after STARTTLS", ListenerMode.MX, false, """
                        C: EHLO c.test
                        S: 250
                        C: MAIL FROM:<a@far.test> REQUIRETLS
                        S: 530 5.7.10
                        C: STARTTLS
                        S: 220 2.0.0
                        T:
                        C: EHLO c.test
                        S: 250
                        C: MAIL FROM:<a@far.test> REQUIRETLS
                        S: 250 2.1.0
                        """),
                Arguments.of("a value is a syntax error", ListenerMode.MX, true, """
                        C: EHLO c.test
                        S: 250
                        C: MAIL FROM:<a@far.test> REQUIRETLS=YES
                        S: 501 5.5.4
                        C: MAIL FROM:<a@far.test> REQUIRETLS=
                        S: 501 5.5.4
                        """),
                Arguments.of("a duplicate is a syntax error", ListenerMode.MX, true, """
                        C: EHLO c.test
                        S: 250
                        C: MAIL FROM:<a@far.test> REQUIRETLS requiretls
                        S: 501 5.5.4
                        """),
                Arguments.of("case does not matter; other parameters mix", ListenerMode.MX, true, """
                        C: EHLO c.test
                        S: 250
                        C: MAIL FROM:<a@far.test> BODY=8BITMIME requiretls RET=HDRS
                        S: 250 2.1.0
                        """),
                Arguments.of("the refusal in plaintext comes before the size check", ListenerMode.MX, false, """
                        C: EHLO c.test
                        S: 250
                        C: MAIL FROM:<a@far.test> SIZE=999999 REQUIRETLS
                        S: 530 5.7.10
                        """));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dialogs")
    void dialog(String name, ListenerMode mode, boolean tls, String script) throws Exception {
        SessionDialogTest.dialog(session(mode, tls), script);
    }

    @Test
    void theFactReachesTheDraftAndEndsWithTheTransaction() throws Exception {
        Session s = session(ListenerMode.MX, true);
        SessionDialogTest.dialog(s, """
                C: EHLO c.test
                S: 250
                C: MAIL FROM:<a@far.test> REQUIRETLS
                S: 250 2.1.0
                C: RCPT TO:<b@example.test>
                S: 250 2.1.5
                C: DATA
                S: 354
                """);
        byte[] one = "Subject: x\r\n\r\nbody\r\n.\r\n".getBytes();
        s.dataDecoder().feed(one, 0, one.length);
        assertThat(s.dataFinished().code()).isEqualTo(250);
        SessionDialogTest.dialog(s, """
                C: MAIL FROM:<a@far.test>
                S: 250 2.1.0
                C: RCPT TO:<b@example.test>
                S: 250 2.1.5
                C: DATA
                S: 354
                """);
        byte[] two = "Subject: y\r\n\r\nbody\r\n.\r\n".getBytes();
        s.dataDecoder().feed(two, 0, two.length);
        assertThat(s.dataFinished().code()).isEqualTo(250);
        assertThat(sink.drafts).hasSize(2);
        assertThat(sink.drafts.get(0).parameters().requireTls()).isTrue();
        assertThat(sink.drafts.get(1).parameters().requireTls()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "FROM:<a@b.test> REQUIRETLS | true",
            "FROM:<a@b.test> RequireTLS | true",
            "FROM:<a@b.test> | false",
            "FROM:<> REQUIRETLS | true",
    })
    void parserReadsTheKeyword(String arg, boolean expected) {
        Command c = CommandParser.parse("MAIL " + arg);
        assertThat(c).isInstanceOf(Command.Mail.class);
        assertThat(((Command.Mail) c).parameters().requireTls()).isEqualTo(expected);
    }

    @Test
    void outboundMailFromCarriesTheKeywordLast() {
        assertThat(ClientCommands.mailFrom("a@b.test", 10, false, false, "HDRS", null, true))
                .isEqualTo("MAIL FROM:<a@b.test> SIZE=10 RET=HDRS REQUIRETLS");
        assertThat(ClientCommands.mailFrom("a@b.test", -1, false, false, null, null, false))
                .isEqualTo("MAIL FROM:<a@b.test>");
    }
}
