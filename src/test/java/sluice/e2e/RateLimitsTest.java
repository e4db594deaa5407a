package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import sluice.testkit.Dialog;
import sluice.testkit.SluiceHarness;

/** `[limits]` rates: connections and messages per client IP per minute, messages per user per hour. */
class RateLimitsTest {

    private static Dialog submissionLogin(SluiceHarness s) throws Exception {
        Dialog d = Dialog.startTls(s.submission);
        d.login(SluiceHarness.USER, SluiceHarness.PASSWORD);
        return d;
    }

    private static String send(Dialog d, String from, String to) throws Exception {
        String mail = d.ask("MAIL FROM:<" + from + ">");
        if (!mail.startsWith("250")) return mail;
        d.ask("RCPT TO:<" + to + ">");
        d.ask("DATA");
        return d.ask("Subject: rate\r\n\r\nhi\r\n.");
    }

    @Test
    void tooManyConnectionsInAMinuteGet421() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", "[limits]\nconnections_per_ip_per_minute = 3\n")) {
            for (int i = 0; i < 3; i++) {
                try (Dialog d = new Dialog(s.mx)) {
                    assertThat(d.expect()).startsWith("220 ");
                }
            }
            try (Dialog d = new Dialog(s.mx)) {
                assertThat(d.expect()).isEqualTo("421 4.7.0 Connection rate limit exceeded for your address; try again later");
                assertThat(d.closedByPeer()).isTrue();
            }
        }
    }

    @Test
    void tooManyMessagesFromOneAddressGet450AtMail() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", "[limits]\nmessages_per_ip_per_minute = 2\n")) {
            try (Dialog d = new Dialog(s.mx)) {
                d.expect();
                d.ask("EHLO c.test");
                assertThat(send(d, "a@far.test", "bob@example.test")).startsWith("250 2.0.0");
                assertThat(send(d, "a@far.test", "bob@example.test")).startsWith("250 2.0.0");
                assertThat(send(d, "a@far.test", "bob@example.test"))
                        .isEqualTo("450 4.7.1 Message rate limit exceeded for your address; try again later");
            }
            assertThat(s.queue()).hasSize(2);
            String log = "";
            for (long end = System.currentTimeMillis() + 5000; System.currentTimeMillis() < end && !log.contains("\"code\":450"); ) {
                Thread.sleep(50); // the delivery log is written in the background
                log = Files.exists(s.deliveryLog()) ? Files.readString(s.deliveryLog()) : "";
            }
            assertThat(log).contains("\"event\":\"rejected\"", "\"code\":450", "\"enhanced_code\":\"4.7.1\"");
        }
    }

    @Test
    void trustedNetworksAreExemptFromThePerAddressLimits() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[\"127.0.0.0/8\"]",
                "[limits]\nmessages_per_ip_per_minute = 1\nconnections_per_ip_per_minute = 1\n")) {
            for (int i = 0; i < 3; i++) {
                try (Dialog d = new Dialog(s.mx)) {
                    assertThat(d.expect()).startsWith("220 ");
                    d.ask("EHLO c.test");
                    assertThat(send(d, "a@far.test", "bob@example.test")).startsWith("250 2.0.0");
                }
            }
        }
    }

    @Test
    void anAuthenticatedUsersHourlyLimitHoldsAcrossConnections() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[\"127.0.0.0/8\"]", "[limits]\nmessages_per_user_per_hour = 2\n")) {
            try (Dialog d = submissionLogin(s)) {
                assertThat(send(d, SluiceHarness.USER, "bob@far.test")).startsWith("250 2.0.0");
                assertThat(send(d, SluiceHarness.USER, "bob@far.test")).startsWith("250 2.0.0");
            }
            try (Dialog d = submissionLogin(s)) { // a new connection, even from a trusted network
                assertThat(send(d, SluiceHarness.USER, "bob@far.test"))
                        .isEqualTo("450 4.7.1 Sending rate limit exceeded for this user; try again later");
            }
            assertThat(s.queue()).hasSize(2);
        }
    }
}
