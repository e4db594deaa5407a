package sluice.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Command lines in, the command or the exact refusal out. */
class CommandParserTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
        EHLO client.test                               | Ehlo
        ehlo DESKTOP_01                                | Ehlo
        HELO client.test                               | Helo
        MAIL FROM:<a@b.test>                           | Mail
        MAIL FROM: <a@b.test>                          | Mail
        mail from:<>                                   | Mail
        MAIL FROM:<a@b.test> SIZE=100 BODY=8BITMIME     | Mail
        MAIL FROM:<a@b.test> SMTPUTF8 RET=HDRS ENVID=x+2By | Mail
        MAIL FROM:<a@b.test> AUTH=<>                    | Mail
        MAIL FROM:<@relay.test,@r2.test:a@b.test>      | Mail
        MAIL FROM:<"quoted local"@b.test>              | Mail
        MAIL FROM:<a@[127.0.0.1]>                      | Mail
        MAIL FROM:<a@[IPv6:::1]>                       | Mail
        RCPT TO:<b@c.test>                             | Rcpt
        RCPT TO:<Postmaster>                           | Rcpt
        RCPT TO:<b@c.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+40c.test | Rcpt
        RCPT TO:<b@c.test> NOTIFY=NEVER                | Rcpt
        DATA                                           | Data
        BDAT 100                                       | Bdat
        BDAT 0 LAST                                    | Bdat
        RSET                                           | Rset
        NOOP anything                                  | Noop
        QUIT                                           | Quit
        HELP                                           | Help
        VRFY bob                                       | Vrfy
        STARTTLS                                       | StartTls
        AUTH PLAIN                                     | Auth
        AUTH LOGIN dXNlcg==                            | Auth
        """)
    void validCommands(String line, String type) {
        assertThat(CommandParser.parse(line).getClass().getSimpleName()).isEqualTo(type);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
        BOGUS                                          | 500 5.5.2
        EHLO                                           | 501 5.5.4
        MAIL                                           | 501 5.5.4
        MAIL TO:<a@b.test>                             | 501 5.5.4
        MAIL FROM:a@b.test                             | 501 5.1.7
        MAIL FROM:<a@b.test                            | 501 5.1.7
        MAIL FROM:<a@@b.test>                          | 501 5.1.7
        MAIL FROM:<.a@b.test>                          | 501 5.1.7
        MAIL FROM:<a..b@b.test>                        | 501 5.1.7
        MAIL FROM:<a@-b.test>                          | 501 5.1.7
        MAIL FROM:<a@b..test>                          | 501 5.1.7
        MAIL FROM:<a@[999.1.1.1]>                      | 501 5.1.7
        MAIL FROM:<a@b.test> SIZE=x                    | 501 5.5.4
        MAIL FROM:<a@b.test> BODY=BINARYMIME           | 555 5.5.4
        MAIL FROM:<a@b.test> FOO=bar                   | 555 5.5.4
        MAIL FROM:<a@b.test> SIZE=1 SIZE=2             | 501 5.5.4
        MAIL FROM:<a@b.test> RET=ALL                   | 501 5.5.4
        MAIL FROM:<a@b.test> ENVID=a=b                 | 501 5.5.4
        MAIL FROM:<a@b.test> SMTPUTF8=yes              | 501 5.5.4
        RCPT TO:<>                                     | 501 5.1.3
        RCPT TO:<b@c.test> NOTIFY=NEVER,SUCCESS        | 501 5.5.4
        RCPT TO:<b@c.test> NOTIFY=DELAY,DELAY          | 501 5.5.4
        RCPT TO:<b@c.test> ORCPT=b@c.test              | 501 5.5.4
        RCPT TO:<b@c.test> XYZ=1                       | 555 5.5.4
        DATA now                                       | 501 5.5.4
        RSET x                                         | 501 5.5.4
        QUIT x                                         | 501 5.5.4
        STARTTLS x                                     | 501 5.5.4
        BDAT                                           | 501 5.5.4
        BDAT x                                         | 501 5.5.4
        BDAT 10 FIRST                                  | 501 5.5.4
        VRFY                                           | 501 5.5.4
        EXPN list                                      | 502 5.5.1
        ETRN example.test                              | 502 5.5.1
        """)
    void invalidCommands(String line, String codeAndStatus) {
        Command c = CommandParser.parse(line);
        assertThat(c).isInstanceOf(Command.Invalid.class);
        Reply r = ((Command.Invalid) c).reply();
        assertThat(r.code() + " " + r.status()).isEqualTo(codeAndStatus);
    }

    @ParameterizedTest
    @CsvSource({"64,true", "65,false"})
    void localPartLimit(int length, boolean ok) {
        Command c = CommandParser.parse("MAIL FROM:<" + "a".repeat(length) + "@b.test>");
        assertThat(c instanceof Command.Mail).isEqualTo(ok);
    }

    @ParameterizedTest
    @CsvSource({"255,true", "256,false"})
    void domainLimit(int length, boolean ok) {
        // in a path the 256-octet path limit (RFC 5321 4.5.3.1.3) bites first, so test the mailbox itself
        boolean parsed;
        try {
            PathParser.mailbox("b@" + domainOf(length));
            parsed = true;
        } catch (PathParser.BadPath e) {
            parsed = false;
        }
        assertThat(parsed).isEqualTo(ok);
        assertThat(CommandParser.parse("RCPT TO:<b@" + domainOf(300) + ">")).isInstanceOf(Command.Invalid.class);
    }

    /** A syntactically valid domain of exactly {@code length} octets (labels of at most 63). */
    static String domainOf(int length) {
        StringBuilder d = new StringBuilder();
        while (d.length() < length) {
            if (d.length() > 0) d.append('.');
            int label = Math.min(63, length - d.length());
            if (length - d.length() - label == 1) label--; // never leave room for only a dot
            d.append("a".repeat(Math.max(1, label)));
        }
        assertThat(d).hasSize(length);
        return d.toString();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        user%other.test@example.test   | true
        other.test!user@example.test   | true
        "user@other.test"@example.test | true
        user@example.test              | false
        """)
    void routingCharacters(String address, boolean routing) throws Exception {
        assertThat(PathParser.mailbox(address).hasRoutingCharacters()).isEqualTo(routing);
    }

    @org.junit.jupiter.api.Test
    void sourceRouteIsIgnoredAndParametersKept() {
        var mail = (Command.Mail) CommandParser.parse("MAIL FROM:<@r1.test,@r2.test:a@b.test> SIZE=42 RET=FULL ENVID=QQ");
        assertThat(mail.sender().address()).isEqualTo("a@b.test");
        assertThat(mail.parameters()).isEqualTo(new MailParameters(42, null, false, "FULL", "QQ"));
        var rcpt = (Command.Rcpt) CommandParser.parse("RCPT TO:<x@y.test> NOTIFY=success,delay ORCPT=rfc822;x@y.test");
        assertThat(rcpt.parameters()).isEqualTo(new RcptParameters("SUCCESS,DELAY", "rfc822;x@y.test"));
    }
}
