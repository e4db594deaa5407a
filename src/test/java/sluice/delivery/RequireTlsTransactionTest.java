package sluice.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.TestTls;

/** MAIL FROM carries REQUIRETLS for a message that has it, and never reaches a host that does not announce it. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RequireTlsTransactionTest {
    static final byte[] BODY = "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    static OutboundMessage message(boolean requireTls) {
        return new OutboundMessage("s@o.test", List.of(OutboundRecipient.of("a@dest.test")), BODY, false, false, null,
                null, requireTls);
    }

    @ParameterizedTest(name = "message REQUIRETLS {0}, host announces it {1}")
    @CsvSource({
            "true,  true,  250, REQUIRETLS",
            "false, true,  250, ''",
            "false, false, 250, ''",
            "true,  false, 450, -",
    })
    void mailFromOverTls(boolean requireTls, boolean announced, int code, String mailParams) throws Exception {
        String[] ehlo = announced ? new String[] {"PIPELINING", "STARTTLS", "REQUIRETLS"}
                : new String[] {"PIPELINING", "STARTTLS"};
        try (var server = FakeSmtpServer.start(s -> s.ehlo(ehlo).tls(TestTls.get().serverContext()));
                var client = SmtpClient.open(server.address(), ClientSettings.plain("client.test")
                        .withTimeouts(Duration.ofSeconds(3), Timeouts.uniform(Duration.ofSeconds(5)))
                        .withTls(TlsMode.REQUIRED, TestTls.trustAllClient()))) {
            MessageResult r = client.send(message(requireTls));
            assertThat(r.recipients().get(0).reply().code()).isEqualTo(code);
            if (code == 250) {
                assertThat(server.messages()).singleElement().satisfies(m -> {
                    assertThat(m.mailParams()).isEqualTo(mailParams);
                    assertThat(m.tls()).isTrue();
                });
            } else {
                assertThat(r.recipients().get(0).reply().status().toString()).isEqualTo("4.7.30");
                assertThat(server.commands()).noneMatch(c -> c.startsWith("MAIL"));
                assertThat(client.reusable()).isTrue();
            }
        }
    }
}
