package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sluice.testkit.SluiceHarness;

/** Angus Mail (the Jakarta Mail implementation) submitting with STARTTLS required and AUTH. */
class AngusMailTest {
    static SluiceHarness sluice;

    @BeforeAll
    static void start() throws Exception {
        sluice = SluiceHarness.start();
    }

    @AfterAll
    static void stop() {
        sluice.close();
    }

    private static Session session(int port, boolean implicitTls) {
        Properties p = new Properties();
        String proto = implicitTls ? "smtps" : "smtp";
        p.put("mail.transport.protocol", proto);
        p.put("mail." + proto + ".host", "127.0.0.1");
        p.put("mail." + proto + ".port", "" + port);
        p.put("mail." + proto + ".auth", "true");
        p.put("mail." + proto + ".starttls.enable", "true");
        p.put("mail." + proto + ".starttls.required", "" + !implicitTls);
        p.put("mail." + proto + ".ssl.trust", "*");
        p.put("mail." + proto + ".localhost", "angus.test");
        p.put("mail." + proto + ".timeout", "20000");
        p.put("mail." + proto + ".connectiontimeout", "5000");
        return Session.getInstance(p);
    }

    private static MimeMessage message(Session s) throws MessagingException {
        MimeMessage m = new MimeMessage(s);
        m.setFrom(new InternetAddress(SluiceHarness.USER));
        m.setRecipients(Message.RecipientType.TO, "bob@example.test, carol@example.test");
        m.setSubject("angus");
        m.setText("hello from Angus Mail\n.leading dot line\n");
        return m;
    }

    @Test
    void submitsOverStartTlsAndImplicitTls() throws Exception {
        int before = sluice.queue().size();
        for (boolean implicit : new boolean[] {false, true}) {
            Session s = session(implicit ? sluice.submissions : sluice.submission, implicit);
            try (Transport t = s.getTransport()) {
                t.connect(SluiceHarness.USER, SluiceHarness.PASSWORD);
                MimeMessage m = message(s);
                t.sendMessage(m, m.getAllRecipients());
                assertThat(((org.eclipse.angus.mail.smtp.SMTPTransport) t).getLastServerResponse()).contains("queued as");
            }
        }
        var queue = sluice.queue();
        assertThat(queue).hasSize(before + 2);
        var last = queue.get(queue.size() - 1);
        assertThat(last.envelope().recipients()).hasSize(2);
        // dot-stuffed by the client, unstuffed by Sluice
        assertThat(new String(sluice.spool().readData(last.id()).orElseThrow())).contains("\r\n.leading dot line\r\n");
    }

    @Test
    void wrongPasswordIsRefused() {
        Session s = session(sluice.submission, false);
        assertThatThrownBy(() -> {
            try (Transport t = s.getTransport()) {
                t.connect(SluiceHarness.USER, "wrong");
            }
        }).isInstanceOf(AuthenticationFailedException.class).hasMessageContaining("535 5.7.8");
    }
}
