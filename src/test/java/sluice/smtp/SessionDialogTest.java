package sluice.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import sluice.config.ListenerMode;

/**
 * The session state machine without a network: dialogs as "C:" lines and the expected "S:" reply
 * (code and enhanced status), against a fake policy and sink.
 */
class SessionDialogTest {
    static final String PLAIN_OK = b64("\0alice@example.test\0secret");
    static final String PLAIN_BAD = b64("\0alice@example.test\0wrong");

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static final class FakePolicy implements SessionPolicy {
        boolean lockedOut;
        boolean storage = true;

        public boolean authLockedOut() {
            return lockedOut;
        }

        public AuthResult authenticate(String user, byte[] password) {
            if (lockedOut) return new AuthResult.LockedOut();
            return user.equals("alice@example.test") && new String(password, StandardCharsets.UTF_8).equals("secret")
                    ? new AuthResult.Success(user) : new AuthResult.Failure();
        }

        public boolean maySendAs(String user, Mailbox sender) {
            return sender == null || sender.domainLower().equals("example.test");
        }

        public SendAs checkOriginators(String authUser, Mailbox sender, Originators originators) {
            // The real rule, with alice's patterns as SluiceHarness gives them.
            return authUser == null ? new SendAs.Allowed(null)
                    : sluice.auth.SendAsRule.check(new sluice.auth.User(authUser, List.of(authUser, "@example.test")), sender, originators);
        }

        public Reply checkRecipient(Mailbox r, Mailbox sender, String authUser) {
            boolean local = r.domainLower().equals("example.test") && !r.hasRoutingCharacters();
            return local || authUser != null ? null : Replies.RELAY_DENIED;
        }

        public boolean hasStorage() {
            return storage;
        }

        int messagesLeft = Integer.MAX_VALUE;

        public Reply startMessage(String authUser) {
            if (messagesLeft <= 0) return Replies.MESSAGE_RATE_CLIENT;
            messagesLeft--;
            return null;
        }
    }

    static final class FakeSink implements MessageSink {
        final List<Draft> drafts = new ArrayList<>();
        final List<Reply> refusals = new ArrayList<>();
        int next;

        public String newQueueId() {
            return "Q" + (++next);
        }

        public CommitResult commit(Draft draft) {
            drafts.add(draft);
            return new CommitResult.Queued(draft.queueId());
        }

        public void refused(Reply reply, SessionFacts facts, Mailbox sender, Mailbox recipient) {
            refusals.add(reply);
        }
    }

    final FakePolicy policy = new FakePolicy();
    final FakeSink sink = new FakeSink();

    Session session(ListenerMode mode, boolean tls) throws Exception {
        return session(mode, tls, 10);
    }

    Session session(ListenerMode mode, boolean tls, int maxErrors) throws Exception {
        var ctx = new SessionContext("mx.test", mode, 25, mode.isSubmission(), mode == ListenerMode.SUBMISSIONS || tls,
                true, InetAddress.getByAddress(new byte[] {10, 0, 0, 1}), 1000, 3, maxErrors, Clock.systemUTC());
        return new Session(ctx, policy, sink);
    }

    /**
     * Runs "C: line" / "S: 250 2.1.0" steps; "T:" means the TLS handshake completed. Any other non-blank line,
     * a "C:" not answered by an "S:" or an "S:" with no "C:" fails the test: a typo must not silently drop a step.
     */
    static void dialog(Session s, String script) {
        String pending = null;
        int n = 0;
        for (String raw : script.strip().split("\n")) {
            n++;
            String step = raw.strip();
            if (step.isEmpty()) continue;
            if (step.startsWith("C: ")) {
                if (pending != null) throw new AssertionError("line " + n + ": \"" + step + "\" follows a C: with no S:");
                pending = step.substring(3);
            } else if (step.equals("T:")) {
                if (pending != null) throw new AssertionError("line " + n + ": T: follows a C: with no S:");
                assertThat(s.wantsTls()).isTrue();
                s.tlsStarted("TLSv1.3", "TLS_AES_128_GCM_SHA256");
            } else if (step.startsWith("S: ")) {
                if (pending == null) throw new AssertionError("line " + n + ": \"" + step + "\" answers no C: line");
                Reply r = s.onLine(pending);
                String got = r.code() + (r.status() == null ? "" : " " + r.status());
                assertThat(got).as("reply to %s (%s)", pending, r.summary()).isEqualTo(step.substring(3));
                pending = null;
            } else {
                throw new AssertionError("line " + n + " of the dialog is not a C:, S: or T: step: \"" + step + "\"");
            }
        }
        if (pending != null) throw new AssertionError("the dialog ends with a C: with no S:: " + pending);
    }

    /** Greets with {@code greeting}, opens a transaction from a@far.test to b@example.test and sends DATA. */
    static void openData(Session s, String greeting) {
        dialog(s, """
                C: %s c.test
                S: 250
                C: MAIL FROM:<a@far.test>
                S: 250 2.1.0
                C: RCPT TO:<b@example.test>
                S: 250 2.1.5
                C: DATA
                S: 354
                """.formatted(greeting));
    }

    static Stream<Arguments> dialogs() {
        return Stream.of(
                Arguments.of("mx needs EHLO first", ListenerMode.MX, false, """
                        C: MAIL FROM:<a@far.test>
                        S: 503 5.5.1
                        C: EHLO c.test
                        S: 250
                        C: RCPT TO:<b@example.test>
                        S: 503 5.5.1
                        C: DATA
                        S: 503 5.5.1
                        """),
                Arguments.of("mx relay rules", ListenerMode.MX, false, """
                        C: EHLO c.test
                        S: 250
                        C: MAIL FROM:<a@far.test>
                        S: 250 2.1.0
                        C: MAIL FROM:<a@far.test>
                        S: 503 5.5.1
                        C: RCPT TO:<b@example.test>
                        S: 250 2.1.5
                        C: RCPT TO:<victim@elsewhere.test>
                        S: 554 5.7.1
                        C: RCPT TO:<victim%elsewhere.test@example.test>
                        S: 554 5.7.1
                        C: RCPT TO:<Postmaster>
                        S: 250 2.1.5
                        C: RCPT TO:<c@example.test>
                        S: 250 2.1.5
                        C: RCPT TO:<d@example.test>
                        S: 452 4.5.3
                        C: RSET
                        S: 250 2.0.0
                        C: RCPT TO:<b@example.test>
                        S: 503 5.5.1
                        """),
                Arguments.of("mx without TLS refuses AUTH", ListenerMode.MX, false, """
                        C: EHLO c.test
                        S: 250
                        C: AUTH PLAIN %s
                        S: 530 5.7.0
                        """.formatted(PLAIN_OK)),
                Arguments.of("submission: STARTTLS, then AUTH, then MAIL", ListenerMode.SUBMISSION, false, """
                        C: EHLO c.test
                        S: 250
                        C: AUTH PLAIN %s
                        S: 530 5.7.0
                        C: MAIL FROM:<alice@example.test>
                        S: 530 5.7.0
                        C: STARTTLS
                        S: 220 2.0.0
                        T:
                        C: MAIL FROM:<alice@example.test>
                        S: 503 5.5.1
                        C: EHLO c.test
                        S: 250
                        C: MAIL FROM:<alice@example.test>
                        S: 530 5.7.0
                        C: AUTH PLAIN %s
                        S: 535 5.7.8
                        C: AUTH PLAIN %s
                        S: 235 2.7.0
                        C: AUTH PLAIN %s
                        S: 503 5.5.1
                        C: MAIL FROM:<mallory@other.test>
                        S: 550 5.7.1
                        C: MAIL FROM:<alice@example.test> SIZE=1001
                        S: 552 5.3.4
                        C: MAIL FROM:<alice@example.test> SIZE=1000
                        S: 250 2.1.0
                        C: AUTH LOGIN
                        S: 503 5.5.1
                        C: RCPT TO:<anyone@far.test>
                        S: 250 2.1.5
                        C: RCPT TO:<ü@far.test>
                        S: 553 5.6.7
                        """.formatted(PLAIN_OK, PLAIN_BAD, PLAIN_OK, PLAIN_OK)),
                Arguments.of("AUTH LOGIN, cancel, bad base64, unknown mechanism", ListenerMode.SUBMISSIONS, true, """
                        C: EHLO c.test
                        S: 250
                        C: AUTH CRAM-MD5
                        S: 504 5.5.4
                        C: AUTH LOGIN
                        S: 334
                        C: *
                        S: 501 5.7.0
                        C: AUTH PLAIN
                        S: 334
                        C: !!!not-base64
                        S: 501 5.5.2
                        C: AUTH PLAIN %s
                        S: 535 5.7.8
                        C: AUTH LOGIN %s
                        S: 334
                        C: %s
                        S: 235 2.7.0
                        """.formatted(b64("bob\0alice@example.test\0secret"), b64("alice@example.test"), b64("secret"))),
                Arguments.of("commands that need nothing", ListenerMode.MX, false, """
                        C: NOOP
                        S: 250 2.0.0
                        C: VRFY bob
                        S: 252 2.5.0
                        C: HELP
                        S: 214 2.0.0
                        C: EXPN staff
                        S: 502 5.5.1
                        C: QUIT
                        S: 221 2.0.0
                        """));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dialogs")
    void dialog(String name, ListenerMode mode, boolean tls, String script) throws Exception {
        // these scripts walk through many refusals on purpose; the error cap has its own tests
        dialog(session(mode, tls, 100), script);
    }

    @Test
    void ehloAdvertisesExtensionsByTlsState() throws Exception {
        Session s = session(ListenerMode.SUBMISSION, false);
        List<String> before = s.onLine("EHLO c.test").lines();
        assertThat(before).contains("PIPELINING", "SIZE 1000", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "CHUNKING",
                "DSN", "STARTTLS").noneMatch(l -> l.startsWith("AUTH"));
        s.onLine("STARTTLS");
        assertThat(s.wantsTls()).isTrue();
        s.tlsStarted("TLSv1.3", "TLS_AES_128_GCM_SHA256");
        List<String> after = s.onLine("EHLO c.test").lines();
        assertThat(after).contains("AUTH PLAIN LOGIN").doesNotContain("STARTTLS");
    }

    @Test
    void dataIsQueuedWithTraceHeadersOnSubmission() throws Exception {
        Session s = session(ListenerMode.SUBMISSIONS, true);
        s.tlsDetails("TLSv1.3", "TLS_AES_256_GCM_SHA384");
        dialog(s, """
                C: EHLO c.test
                S: 250
                C: AUTH PLAIN %s
                S: 235 2.7.0
                C: MAIL FROM:<alice@example.test> RET=HDRS ENVID=E1
                S: 250 2.1.0
                C: RCPT TO:<bob@far.test> NOTIFY=FAILURE
                S: 250 2.1.5
                C: DATA
                S: 354
                """.formatted(PLAIN_OK));
        byte[] data = "Subject: hi\r\n\r\nbody\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);
        s.dataDecoder().feed(data, 0, data.length);
        Reply r = s.dataFinished();
        assertThat(r.summary()).isEqualTo("250 2.0.0 OK: queued as Q1");
        Draft d = sink.drafts.get(0);
        String headers = new String(d.headers(), StandardCharsets.UTF_8);
        assertThat(headers).startsWith("Received: from c.test ([10.0.0.1])")
                .contains("with ESMTPSA id Q1", "(version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384)", "for <bob@far.test>")
                .contains("Message-ID: <Q1.").contains("\r\nDate: ");
        assertThat(d.parameters().ret()).isEqualTo("HDRS");
        assertThat(d.recipients().get(0).parameters().notifyOn()).isEqualTo("FAILURE");
        assertThat(d.messageId()).startsWith("<Q1.");
    }

    @Test
    void existingMessageIdAndDateAreKept() throws Exception {
        Session s = session(ListenerMode.MX, false);
        openData(s, "HELO");
        byte[] data = "message-id:\r\n <abc@far.test>\r\nDATE: now\r\n\r\nx\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);
        s.dataDecoder().feed(data, 0, data.length);
        assertThat(s.dataFinished().code()).isEqualTo(250);
        String headers = new String(sink.drafts.get(0).headers(), StandardCharsets.UTF_8);
        assertThat(headers).contains("with SMTP id Q1").doesNotContain("Message-ID").doesNotContain("Date:");
        assertThat(sink.drafts.get(0).messageId()).isEqualTo("<abc@far.test>");
    }

    @Test
    void bareLineFeedInDataQueuesNothing() throws Exception {
        Session s = session(ListenerMode.MX, false);
        openData(s, "EHLO");
        byte[] data = "a\n.\nMAIL FROM:<x@y>\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);
        s.dataDecoder().feed(data, 0, data.length);
        assertThat(s.dataFinished().summary()).startsWith("550 5.6.0");
        assertThat(sink.drafts).isEmpty();
        assertThat(s.busy()).isFalse();
    }

    @Test
    void bdatChunksWithoutMailAreConsumedAndRefused() throws Exception {
        Session s = session(ListenerMode.MX, false);
        s.onLine("EHLO c.test");
        assertThat(s.onLine("BDAT 5")).isNull();
        assertThat(s.expecting()).isEqualTo(Session.Input.CHUNK);
        byte[] five = "abcde".getBytes(StandardCharsets.US_ASCII);
        assertThat(s.chunkData(five, 0, 5)).isEqualTo(5);
        assertThat(s.chunkFinished().summary()).startsWith("503 5.5.1");
        assertThat(s.expecting()).isEqualTo(Session.Input.COMMAND);
    }

    @Test
    void bdatAcrossChunksWithOversizeIsRefused() throws Exception {
        Session s = session(ListenerMode.MX, false);
        dialog(s, """
                C: EHLO c.test
                S: 250
                C: MAIL FROM:<a@far.test>
                S: 250 2.1.0
                C: RCPT TO:<b@example.test>
                S: 250 2.1.5
                """);
        byte[] chunk = ("x".repeat(78) + "\r\n").repeat(7).getBytes(StandardCharsets.US_ASCII); // 560 octets
        assertThat(s.onLine("BDAT " + chunk.length)).isNull();
        s.chunkData(chunk, 0, chunk.length);
        assertThat(s.chunkFinished().summary()).startsWith("250 2.0.0 560 octets");
        assertThat(s.onLine("BDAT " + chunk.length + " LAST")).isNull();
        s.chunkData(chunk, 0, chunk.length);
        assertThat(s.chunkFinished().summary()).startsWith("552 5.3.4");
        assertThat(sink.drafts).isEmpty();
    }

    @Test
    void tenProtocolErrorsClose() throws Exception {
        Session s = session(ListenerMode.MX, false);
        Reply last = null;
        for (int i = 0; i < 10; i++) last = s.onLine("BOGUS");
        assertThat(last.code()).isEqualTo(421);
        assertThat(last.close()).isTrue();
    }

    @Test
    void relayProbingEndsInA421() throws Exception {
        Session s = session(ListenerMode.MX, false);
        s.onLine("EHLO c.test");
        s.onLine("MAIL FROM:<a@far.test>");
        Reply last = null;
        for (int i = 0; i < 10; i++) last = s.onLine("RCPT TO:<victim" + i + "@elsewhere.test>");
        assertThat(last.summary()).startsWith("421 4.7.0");
        assertThat(last.close()).isTrue();
        assertThat(sink.refusals).hasSize(10);
    }

    @Test
    void lockedOutClientGets454() throws Exception {
        policy.lockedOut = true;
        dialog(session(ListenerMode.SUBMISSIONS, true), """
                C: EHLO c.test
                S: 250
                C: AUTH PLAIN %s
                S: 454 4.7.0
                """.formatted(PLAIN_OK));
    }

    @Test
    void noStorageGives452() throws Exception {
        policy.storage = false;
        dialog(session(ListenerMode.MX, false), """
                C: EHLO c.test
                S: 250
                C: MAIL FROM:<a@far.test>
                S: 452 4.3.1
                """);
        assertThat(sink.refusals).extracting(Reply::code).containsExactly(452);
    }
}
