package sluice.bounce;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import sluice.bounce.DsnRecipient.Action;

class DsnTest {
    private static final ZonedDateTime NOW = ZonedDateTime.of(2024, 3, 2, 10, 0, 0, 0, ZoneOffset.UTC);
    private static final Instant ARRIVAL = Instant.parse("2024-03-01T10:00:00Z");
    private static final String ORIGINAL_HEADERS =
            "From: Alice <alice@a.test>\r\nTo: bob@b.test\r\nSubject: lunch\r\nMessage-ID: <m1@a.test>\r\n";
    private static final byte[] ORIGINAL = (ORIGINAL_HEADERS + "\r\nShall we meet at noon?\r\n").getBytes(UTF_8);

    private static final DsnRecipient BOB_FAILED = new DsnRecipient("bob@b.test", "rfc822;Bob@B.test", Action.FAILED,
            "5.1.1", "mx.b.test", "550 5.1.1 <bob@b.test>: no such user",
            Instant.parse("2024-03-01T10:00:05Z"), null);
    private static final DsnRecipient CAROL_DELAYED = new DsnRecipient("carol@c.test", null, Action.DELAYED,
            "4.4.1", null, null, Instant.parse("2024-03-01T10:05:00Z"), Instant.parse("2024-03-06T10:00:00Z"));
    private static final DsnRecipient DAVE_DELIVERED = new DsnRecipient("dave@d.test", null, Action.DELIVERED,
            "2.0.0", "mx.d.test", "250 2.0.0 ok queued as 123", Instant.parse("2024-03-01T10:00:02Z"), null);

    private static DsnRequest request(String ret, List<DsnRecipient> rcpts, byte[] original, boolean utf8) {
        return new DsnRequest("mx.sluice.test", "4XyZ1", "alice@a.test", "env-42", ret, ARRIVAL, rcpts, original, utf8);
    }

    private static DsnRequest request(List<DsnRecipient> rcpts) {
        return request(null, rcpts, ORIGINAL, false);
    }

    /** The report parsed as a client would see it. */
    private record Parsed(MimeMessage message, MimeMultipart parts) {
        String type(int i) throws Exception {
            return new ContentType(parts.getBodyPart(i).getContentType()).getBaseType();
        }

        byte[] raw(int i) throws Exception {
            return ((MimeBodyPart) parts.getBodyPart(i)).getRawInputStream().readAllBytes();
        }

        /** The delivery-status part as its field groups: per-message first, then one per recipient. */
        List<InternetHeaders> statusGroups() throws Exception {
            List<InternetHeaders> groups = new ArrayList<>();
            for (String group : new String(raw(1), UTF_8).split("\r\n\r\n")) {
                groups.add(new InternetHeaders(new ByteArrayInputStream((group + "\r\n\r\n").getBytes(UTF_8)), true));
            }
            return groups;
        }
    }

    private static Parsed parse(byte[] report) throws Exception {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(report));
        return new Parsed(m, new MimeMultipart(m.getDataHandler().getDataSource()));
    }

    private static String field(InternetHeaders h, String name) {
        String v = h.getHeader(name, null);
        return v == null ? null : MimeUtility.unfold(v);
    }

    @Test
    void isAMultipartReportWithThreeParts() throws Exception {
        Parsed p = parse(Dsn.build(request(List.of(BOB_FAILED)), NOW, "<dsn1@mx.sluice.test>"));

        ContentType type = new ContentType(p.message().getContentType());
        assertThat(type.getBaseType()).isEqualTo("multipart/report");
        assertThat(type.getParameter("report-type")).isEqualTo("delivery-status");
        assertThat(p.parts().getCount()).isEqualTo(3);
        assertThat(p.type(0)).isEqualTo("text/plain");
        assertThat(new ContentType(p.parts().getBodyPart(0).getContentType()).getParameter("charset")).isEqualTo("utf-8");
        assertThat(p.type(1)).isEqualTo("message/delivery-status");
        assertThat(p.type(2)).isEqualTo("message/rfc822");
    }

    @Test
    void headersComeFromTheMailerDaemonToTheSender() throws Exception {
        Parsed p = parse(Dsn.build(request(List.of(BOB_FAILED)), NOW, "dsn1@mx.sluice.test"));
        MimeMessage m = p.message();

        assertThat(m.getHeader("From", null)).isEqualTo("Mail Delivery System <MAILER-DAEMON@mx.sluice.test>");
        assertThat(m.getHeader("To", null)).isEqualTo("<alice@a.test>");
        assertThat(m.getSubject()).isEqualTo("Undelivered Mail Returned to Sender");
        assertThat(m.getHeader("Auto-Submitted", null)).isEqualTo("auto-replied");
        assertThat(m.getMessageID()).isEqualTo("<dsn1@mx.sluice.test>");
        assertThat(m.getHeader("Date", null)).isEqualTo("Sat, 2 Mar 2024 10:00:00 +0000");
        assertThat(m.getHeader("MIME-Version", null)).isEqualTo("1.0");
    }

    @ParameterizedTest
    @CsvSource({
        "FAILED,    Undelivered Mail Returned to Sender",
        "DELAYED,   Delayed Mail (still being retried)",
        "DELIVERED, Successful Mail Delivery Report",
        "RELAYED,   Successful Mail Delivery Report",
    })
    void subjectSaysWhatHappened(Action action, String subject) throws Exception {
        DsnRecipient r = new DsnRecipient("bob@b.test", null, action, action == Action.FAILED ? "5.0.0"
                : action == Action.DELAYED ? "4.0.0" : "2.0.0", null, null, ARRIVAL, null);
        assertThat(parse(Dsn.build(request(List.of(r)), NOW, "<x@y>")).message().getSubject()).isEqualTo(subject);
    }

    @Test
    void aFailureAmongDelaysMakesItABounce() throws Exception {
        Parsed p = parse(Dsn.build(request(List.of(CAROL_DELAYED, BOB_FAILED)), NOW, "<x@y>"));
        assertThat(p.message().getSubject()).isEqualTo("Undelivered Mail Returned to Sender");
    }

    @Test
    void perRecipientFieldsForSeveralRecipients() throws Exception {
        Parsed p = parse(Dsn.build(request(List.of(BOB_FAILED, CAROL_DELAYED, DAVE_DELIVERED)), NOW, "<x@y>"));
        List<InternetHeaders> g = p.statusGroups();

        assertThat(g).hasSize(4);
        assertThat(field(g.get(0), "Reporting-MTA")).isEqualTo("dns; mx.sluice.test");
        assertThat(field(g.get(0), "X-Sluice-Queue-ID")).isEqualTo("4XyZ1");
        assertThat(field(g.get(0), "Arrival-Date")).isEqualTo("Fri, 1 Mar 2024 10:00:00 +0000");

        InternetHeaders bob = g.get(1);
        assertThat(field(bob, "Final-Recipient")).isEqualTo("rfc822; bob@b.test");
        assertThat(field(bob, "Original-Recipient")).isEqualTo("rfc822; Bob@B.test");
        assertThat(field(bob, "Action")).isEqualTo("failed");
        assertThat(field(bob, "Status")).isEqualTo("5.1.1");
        assertThat(field(bob, "Remote-MTA")).isEqualTo("dns; mx.b.test");
        assertThat(field(bob, "Diagnostic-Code")).isEqualTo("smtp; 550 5.1.1 <bob@b.test>: no such user");
        assertThat(field(bob, "Will-Retry-Until")).isNull();

        InternetHeaders carol = g.get(2);
        assertThat(field(carol, "Final-Recipient")).isEqualTo("rfc822; carol@c.test");
        assertThat(field(carol, "Original-Recipient")).isNull();
        assertThat(field(carol, "Remote-MTA")).isNull();
        assertThat(field(carol, "Diagnostic-Code")).isNull();
        assertThat(field(carol, "Action")).isEqualTo("delayed");

        InternetHeaders dave = g.get(3);
        assertThat(field(dave, "Action")).isEqualTo("delivered");
        assertThat(field(dave, "Status")).isEqualTo("2.0.0");
        assertThat(field(dave, "Remote-MTA")).isEqualTo("dns; mx.d.test");
    }

    @Test
    void humanPartListsEachRecipientWithItsDiagnostic() throws Exception {
        Parsed p = parse(Dsn.build(request(List.of(BOB_FAILED, CAROL_DELAYED)), NOW, "<x@y>"));
        String text = new String(p.raw(0), UTF_8);

        assertThat(text).startsWith("This is the mail system at host mx.sluice.test.");
        assertThat(text).contains("<bob@b.test>: failed (5.1.1)", "Host mx.b.test said: 550 5.1.1 <bob@b.test>: no such user",
                "<carol@c.test>: delayed (4.4.1)");
    }

    @Test
    void envidAppearsAsOriginalEnvelopeId() throws Exception {
        Parsed p = parse(Dsn.build(request(List.of(BOB_FAILED)), NOW, "<x@y>"));
        assertThat(field(p.statusGroups().get(0), "Original-Envelope-Id")).isEqualTo("env-42");

        DsnRequest noEnvid = new DsnRequest("mx.sluice.test", "Q1", "alice@a.test", null, null, ARRIVAL,
                List.of(BOB_FAILED), ORIGINAL, false);
        assertThat(field(parse(Dsn.build(noEnvid, NOW, "<x@y>")).statusGroups().get(0), "Original-Envelope-Id")).isNull();
    }

    @Test
    void retFullReturnsTheWholeMessage() throws Exception {
        Parsed p = parse(Dsn.build(request("FULL", List.of(BOB_FAILED), ORIGINAL, false), NOW, "<x@y>"));
        assertThat(p.type(2)).isEqualTo("message/rfc822");
        assertThat(p.raw(2)).isEqualTo(ORIGINAL);
    }

    @Test
    void retHdrsReturnsOnlyTheHeaderSection() throws Exception {
        Parsed p = parse(Dsn.build(request("HDRS", List.of(BOB_FAILED), ORIGINAL, false), NOW, "<x@y>"));
        assertThat(p.type(2)).isEqualTo("text/rfc822-headers");
        assertThat(new String(p.raw(2), UTF_8)).isEqualTo(ORIGINAL_HEADERS).doesNotContain("noon");
    }

    @ParameterizedTest
    @CsvSource({
        "262144, message/rfc822",
        "262145, text/rfc822-headers",
    })
    void withoutRetSmallMessagesComeBackWhole(int size, String type) throws Exception {
        byte[] big = new byte[size];
        Arrays.fill(big, (byte) 'x');
        byte[] head = (ORIGINAL_HEADERS + "\r\n").getBytes(UTF_8);
        System.arraycopy(head, 0, big, 0, head.length);
        for (int i = 1000; i < size - 2; i += 1000) {
            big[i] = '\r';
            big[i + 1] = '\n';
        }
        Parsed p = parse(Dsn.build(request(null, List.of(BOB_FAILED), big, false), NOW, "<x@y>"));
        assertThat(p.type(2)).isEqualTo(type);
    }

    @Test
    void delayNoticeHasWillRetryUntilAndReturnsOnlyHeadersEvenForRetFull() throws Exception {
        Parsed p = parse(Dsn.build(request("FULL", List.of(CAROL_DELAYED), ORIGINAL, false), NOW, "<x@y>"));

        assertThat(p.message().getSubject()).isEqualTo("Delayed Mail (still being retried)");
        assertThat(field(p.statusGroups().get(1), "Will-Retry-Until")).isEqualTo("Wed, 6 Mar 2024 10:00:00 +0000");
        assertThat(p.type(2)).isEqualTo("text/rfc822-headers"); // RFC 3461 4.3: no failure, headers only
    }

    @Test
    void veryLongDiagnosticIsFoldedWithinLineLimits() throws Exception {
        String words = "550 5.7.1 " + "rejected because the sending host is listed ".repeat(60);
        String oneToken = "550 5.7.1 https://b.test/" + "x".repeat(3000);
        for (String diag : List.of(words, oneToken)) {
            DsnRecipient r = new DsnRecipient("bob@b.test", null, Action.FAILED, "5.7.1", "mx.b.test", diag, ARRIVAL, null);
            byte[] report = Dsn.build(request(List.of(r)), NOW, "<x@y>");

            List<Integer> lengths = lines(report).stream().map(line -> line.length).toList();
            assertThat(lengths).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(998));
            if (diag.equals(words)) assertThat(lengths).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(78));
            Parsed p = parse(report);
            String folded = field(p.statusGroups().get(1), "Diagnostic-Code");
            if (diag.equals(words)) assertThat(folded).isEqualTo("smtp; " + diag.strip());
            else assertThat(folded.replace(" ", "")).isEqualTo("smtp;" + diag.replace(" ", ""));
        }
    }

    @Test
    void diagnosticWithLineBreaksCannotStartNewFields() throws Exception {
        DsnRecipient r = new DsnRecipient("bob@b.test", null, Action.FAILED, "5.0.0", null,
                "550-first line\r\nX-Injected: yes\r\n550 last", ARRIVAL, null);
        Parsed p = parse(Dsn.build(request(List.of(r)), NOW, "<x@y>"));
        assertThat(field(p.statusGroups().get(1), "X-Injected")).isNull();
        assertThat(field(p.statusGroups().get(1), "Diagnostic-Code")).isEqualTo("smtp; 550-first line X-Injected: yes 550 last");
    }

    @Test
    void everyLineEndsInCrlf() {
        byte[] report = Dsn.build(request(List.of(BOB_FAILED, CAROL_DELAYED)), NOW, "<x@y>");
        for (int i = 0; i < report.length; i++) {
            if (report[i] == '\n') assertThat(report[i - 1]).as("byte before LF at %d", i).isEqualTo((byte) '\r');
        }
        assertThat(new String(report, UTF_8)).endsWith("--\r\n");
    }

    @ParameterizedTest
    @CsvSource(value = {"''", "<>", "'  '"})
    void neverReportsToTheNullSender(String sender) {
        DsnRequest r = new DsnRequest("mx.sluice.test", "Q1", sender, null, null, ARRIVAL, List.of(BOB_FAILED), ORIGINAL, false);
        assertThatThrownBy(() -> Dsn.build(r, NOW, "<x@y>")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void boundaryIsNotFoundInTheReturnedMessage() throws Exception {
        byte[] first = Dsn.build(request(List.of(BOB_FAILED)), NOW, "<x@y>");
        String boundary = new ContentType(parse(first).message().getContentType()).getParameter("boundary");
        byte[] hostile = (ORIGINAL_HEADERS + "\r\n--" + boundary + "\r\nContent-Type: text/plain\r\n\r\ngotcha\r\n--"
                + boundary + "--\r\n").getBytes(UTF_8);

        byte[] report = Dsn.build(request("FULL", List.of(BOB_FAILED), hostile, false), NOW, "<x@y>");
        Parsed p = parse(report);
        assertThat(new ContentType(p.message().getContentType()).getParameter("boundary")).isNotEqualTo(boundary);
        assertThat(p.parts().getCount()).isEqualTo(3);
        assertThat(p.raw(2)).isEqualTo(hostile);
    }

    @Test
    void smtpUtf8UsesTheGlobalTypes() throws Exception {
        DsnRecipient jose = new DsnRecipient("josé@b.test", "utf-8;josé@b.test", Action.FAILED, "5.1.1",
                "mx.b.test", "550 5.1.1 josé: unknown", ARRIVAL, null);
        Parsed full = parse(Dsn.build(request("FULL", List.of(jose), ORIGINAL, true), NOW, "<x@y>"));
        assertThat(full.type(1)).isEqualTo("message/global-delivery-status");
        assertThat(full.type(2)).isEqualTo("message/global");
        InternetHeaders g = full.statusGroups().get(1);
        assertThat(field(g, "Final-Recipient")).isEqualTo("utf-8; josé@b.test");
        assertThat(field(g, "Original-Recipient")).isEqualTo("utf-8; josé@b.test");
        assertThat(field(g, "Diagnostic-Code")).isEqualTo("smtp; 550 5.1.1 josé: unknown");

        Parsed headers = parse(Dsn.build(request("HDRS", List.of(jose), ORIGINAL, true), NOW, "<x@y>"));
        assertThat(headers.type(2)).isEqualTo("message/global-headers");
    }

    @Test
    void nonAsciiAddressOutsideGlobalReportIsEmbeddedUnicode() throws Exception {
        DsnRecipient jose = new DsnRecipient("josé@b.test", null, Action.FAILED, "5.1.1", null, null, ARRIVAL, null);
        Parsed p = parse(Dsn.build(request(List.of(jose)), NOW, "<x@y>"));
        assertThat(field(p.statusGroups().get(1), "Final-Recipient")).isEqualTo("utf-8; jos\\x{E9}@b.test");
    }

    @Test
    void deliveryStatusPartIsExactlyAsExpected() throws Exception {
        Parsed p = parse(Dsn.build(request(List.of(BOB_FAILED, CAROL_DELAYED)), NOW, "<x@y>"));
        assertThat(new String(p.raw(1), UTF_8)).isEqualTo("""
                Reporting-MTA: dns; mx.sluice.test\r
                X-Sluice-Queue-ID: 4XyZ1\r
                Original-Envelope-Id: env-42\r
                Arrival-Date: Fri, 1 Mar 2024 10:00:00 +0000\r
                \r
                Final-Recipient: rfc822; bob@b.test\r
                Original-Recipient: rfc822; Bob@B.test\r
                Action: failed\r
                Status: 5.1.1\r
                Remote-MTA: dns; mx.b.test\r
                Diagnostic-Code: smtp; 550 5.1.1 <bob@b.test>: no such user\r
                Last-Attempt-Date: Fri, 1 Mar 2024 10:00:05 +0000\r
                \r
                Final-Recipient: rfc822; carol@c.test\r
                Action: delayed\r
                Status: 4.4.1\r
                Last-Attempt-Date: Fri, 1 Mar 2024 10:05:00 +0000\r
                Will-Retry-Until: Wed, 6 Mar 2024 10:00:00 +0000\r
                """);
    }

    @Test
    void sameInputGivesTheSameBytes() {
        DsnRequest r = request(List.of(BOB_FAILED));
        assertThat(Dsn.build(r, NOW, "<x@y>")).isEqualTo(Dsn.build(r, NOW, "<x@y>"));
    }

    @ParameterizedTest
    @CsvSource(value = {
        "550, 5.1.1, 5.1.1",
        "550, ,      5.0.0",
        "451, ,      4.0.0",
        "250, ,      2.0.0",
        "421, 4.7.0, 4.7.0",
        "550, 4.2.2, 5.2.2",  // class follows the reply code
        "452, 5.2.2, 4.2.2",
        "554, junk,  5.0.0",
        "554, '',    5.0.0",
    })
    void statusFor(int code, String enhanced, String expected) {
        assertThat(Dsn.statusFor(code, enhanced)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"354", "199", "600", "0"})
    void statusForRefusesNonFinalReplyCodes(int code) {
        assertThatThrownBy(() -> Dsn.statusFor(code, null)).isInstanceOf(IllegalArgumentException.class);
    }

    private static List<byte[]> lines(byte[] report) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i + 1 < report.length; i++) {
            if (report[i] == '\r' && report[i + 1] == '\n') {
                lines.add(Arrays.copyOfRange(report, start, i));
                start = i + 2;
            }
        }
        return lines;
    }

}
