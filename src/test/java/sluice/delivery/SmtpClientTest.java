package sluice.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import sluice.delivery.ClientFailure.Kind;
import sluice.delivery.ClientFailure.Stage;
import sluice.smtp.EnhancedStatus;
import sluice.smtp.Reply;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.FakeSmtpServer.Script;
import sluice.testkit.FakeSmtpServer.TlsFailure;
import sluice.testkit.FreePorts;
import sluice.testkit.Peer;
import sluice.testkit.TestTls;
import sluice.testkit.TempDirs;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SmtpClientTest {
    private static final byte[] BODY = "Subject: hi\r\n\r\n.leading dot\r\n..two dots\r\nend\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final Duration SHORT = Duration.ofMillis(400);

    private static ClientSettings settings() {
        return ClientSettings.plain("client.test").withTimeouts(Duration.ofSeconds(3), Timeouts.uniform(Duration.ofSeconds(5)));
    }

    private static ClientSettings opportunistic() {
        return settings().withTls(TlsMode.OPPORTUNISTIC, TestTls.trustAllClient());
    }

    private static OutboundMessage message(String... recipients) {
        return OutboundMessage.of("sender@origin.test", List.of(recipients), BODY);
    }

    private static FakeSmtpServer fake(Consumer<Script> script) throws IOException {
        return FakeSmtpServer.start(script);
    }

    private static List<Integer> codes(MessageResult r) {
        return r.recipients().stream().map(x -> x.reply().code()).toList();
    }

    // ---- transactions ----

    @Test
    void sendsOneMessageDotStuffedAndReportsEachRecipient() throws Exception {
        try (var server = fake(s -> {});
                var client = SmtpClient.open(server.address(), settings())) {
            MessageResult r = client.send(message("a@dest.test", "b@dest.test"));

            assertThat(codes(r)).containsExactly(250, 250);
            assertThat(r.dataReply().code()).isEqualTo(250);
            assertThat(r.dataReply().status()).isEqualTo(new EnhancedStatus(2, 0, 0));
            assertThat(client.reusable()).isTrue();
            assertThat(client.banner()).isEqualTo("fake.test ESMTP ready");
            assertThat(client.remote()).isEqualTo(server.address());
            assertThat(client.extensions()).contains("PIPELINING", "8BITMIME").doesNotContain("SIZE");
            var received = server.messages();
            assertThat(received).hasSize(1);
            assertThat(received.get(0).data()).isEqualTo(BODY); // dot-stuffed on the wire, unstuffed by the server
            assertThat(received.get(0).sender()).isEqualTo("sender@origin.test");
            assertThat(received.get(0).recipients()).extracting(FakeSmtpServer.Rcpt::address)
                    .containsExactly("a@dest.test", "b@dest.test");
        }
    }

    @Test
    void addsCrlfBeforeTheFinalDotWhenTheDataLacksOne() throws Exception {
        try (var server = fake(s -> {});
                var client = SmtpClient.open(server.address(), settings())) {
            byte[] data = "Subject: x\r\n\r\nno newline at end".getBytes(StandardCharsets.US_ASCII);
            MessageResult r = client.send(OutboundMessage.of("", List.of("a@dest.test"), data));
            assertThat(codes(r)).containsExactly(250);
            assertThat(server.messages().get(0).text()).isEqualTo("Subject: x\r\n\r\nno newline at end\r\n");
            assertThat(server.commands()).contains("MAIL FROM:<>");
        }
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {true, false})
    void pipelinesMailRcptAndDataInOneWriteOnlyWhenOffered(boolean pipelining) throws Exception {
        try (var server = fake(s -> s.ehlo(pipelining ? new String[] {"PIPELINING"} : new String[] {"8BITMIME"}));
                var client = SmtpClient.open(server.address(), settings())) {
            assertThat(codes(client.send(message("a@dest.test", "b@dest.test")))).containsExactly(250, 250);
            var lines = server.lines();
            var envelope = lines.stream()
                    .filter(l -> l.text().startsWith("MAIL") || l.text().startsWith("RCPT") || l.text().equals("DATA"))
                    .toList();
            assertThat(envelope).hasSize(4);
            long batches = envelope.stream().mapToInt(FakeSmtpServer.Line::batch).distinct().count();
            assertThat(batches).isEqualTo(pipelining ? 1 : 4);
        }
    }

    static Stream<Arguments> parameterCases() {
        OutboundRecipient dsnRcpt = new OutboundRecipient("a@dest.test", "FAILURE,DELAY", "rfc822;a@dest.test");
        byte[] data = BODY;
        var plain = new OutboundMessage("s@o.test", List.of(dsnRcpt), data, false, false, null, null);
        var eight = new OutboundMessage("s@o.test", List.of(dsnRcpt), data, true, false, null, null);
        var utf8 = new OutboundMessage("s@o.test", List.of(dsnRcpt), data, false, true, null, null);
        var dsn = new OutboundMessage("s@o.test", List.of(dsnRcpt), data, false, false, "QP+2Bid", "HDRS");
        String size = "SIZE=" + data.length;
        return Stream.of(
                Arguments.of(List.of(), plain, "", ""),
                Arguments.of(List.of("SIZE 100000"), plain, size, ""),
                Arguments.of(List.of("SIZE"), plain, size, ""),
                Arguments.of(List.of("8BITMIME"), eight, "BODY=8BITMIME", ""),
                Arguments.of(List.of(), eight, "", ""),
                Arguments.of(List.of("SMTPUTF8"), utf8, "SMTPUTF8", ""),
                Arguments.of(List.of("DSN"), dsn, "RET=HDRS ENVID=QP+2Bid", "NOTIFY=FAILURE,DELAY ORCPT=rfc822;a@dest.test"),
                Arguments.of(List.of(), dsn, "", ""),
                Arguments.of(List.of("SIZE 100000", "8BITMIME", "DSN", "PIPELINING"), eight,
                        size + " BODY=8BITMIME", "NOTIFY=FAILURE,DELAY ORCPT=rfc822;a@dest.test"));
    }

    @ParameterizedTest(name = "{0} -> MAIL [{2}] RCPT [{3}]")
    @MethodSource("parameterCases")
    void sendsOnlyTheParametersTheServerAnnounced(List<String> ehlo, OutboundMessage m, String mailParams,
            String rcptParams) throws Exception {
        try (var server = fake(s -> s.ehlo(ehlo.toArray(String[]::new)));
                var client = SmtpClient.open(server.address(), settings())) {
            assertThat(codes(client.send(m))).containsExactly(250);
            var got = server.messages().get(0);
            assertThat(got.mailParams()).isEqualTo(mailParams);
            assertThat(got.recipients().get(0).params()).isEqualTo(rcptParams);
        }
    }

    @Test
    void refusesAMessageOverTheAnnouncedSizeWithoutSendingIt() throws Exception {
        try (var server = fake(s -> s.ehlo("PIPELINING", "SIZE 20"));
                var client = SmtpClient.open(server.address(), settings())) {
            assertThat(client.maxSize()).isEqualTo(20);
            MessageResult r = client.send(message("a@dest.test", "b@dest.test"));
            assertThat(r.recipients()).allSatisfy(x -> {
                assertThat(x.reply().code()).isEqualTo(552);
                assertThat(x.reply().status()).isEqualTo(new EnhancedStatus(5, 3, 4));
                assertThat(x.reply().lines().get(0)).contains("(20)");
            });
            assertThat(server.commands()).noneMatch(c -> c.startsWith("MAIL"));
            assertThat(client.reusable()).isTrue();
        }
    }

    @Test
    void refusesAnSmtpUtf8MessageWhenTheServerLacksIt() throws Exception {
        try (var server = fake(s -> s.ehlo("PIPELINING"));
                var client = SmtpClient.open(server.address(), settings())) {
            var m = new OutboundMessage("s@o.test", List.of(OutboundRecipient.of("ü@dest.test")), BODY, false, true,
                    null, null);
            MessageResult r = client.send(m);
            assertThat(r.recipients().get(0).reply().code()).isEqualTo(550);
            assertThat(r.recipients().get(0).reply().status()).isEqualTo(new EnhancedStatus(5, 6, 7));
            assertThat(server.commands()).noneMatch(c -> c.startsWith("MAIL"));
            assertThat(r.dataReply()).isNull();
        }
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {true, false})
    void partialAcceptanceDeliversToTheAcceptedOnly(boolean pipelining) throws Exception {
        try (var server = fake(s -> s.ehlo(pipelining ? "PIPELINING" : "8BITMIME")
                        .rcptReply("bad@dest.test", 550, "5.1.1 no such user")
                        .rcptReply("later@dest.test", 450, "4.2.1 mailbox busy"));
                var client = SmtpClient.open(server.address(), settings())) {
            MessageResult r = client.send(message("good@dest.test", "bad@dest.test", "later@dest.test"));
            assertThat(codes(r)).containsExactly(250, 550, 450);
            Reply bad = r.recipients().get(1).reply();
            assertThat(bad.status()).isEqualTo(new EnhancedStatus(5, 1, 1));
            assertThat(bad.lines()).containsExactly("no such user");
            assertThat(server.messages()).singleElement().satisfies(m -> assertThat(m.recipients())
                    .extracting(FakeSmtpServer.Rcpt::address).containsExactly("good@dest.test"));
            assertThat(client.reusable()).isTrue();
        }
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {true, false})
    void noAcceptedRecipientMeansNoData(boolean pipelining) throws Exception {
        try (var server = fake(s -> s.ehlo(pipelining ? "PIPELINING" : "8BITMIME")
                        .rcptReply("x@dest.test", 550, "5.1.1 no")
                        .rcptReply("y@dest.test", 451, "4.3.0 later"));
                var client = SmtpClient.open(server.address(), settings())) {
            MessageResult r = client.send(message("x@dest.test", "y@dest.test"));
            assertThat(codes(r)).containsExactly(550, 451);
            assertThat(r.dataReply()).isNull();
            assertThat(server.messages()).isEmpty();
            // Pipelined, DATA went out with the RCPTs and was refused; otherwise it is never sent.
            assertThat(server.commands().contains("DATA")).isEqualTo(pipelining);
            assertThat(client.reusable()).isTrue();
            // The failed transaction is reset before the next one.
            assertThat(codes(client.send(message("z@dest.test")))).containsExactly(250);
            List<String> cmds = server.commands();
            int rset = cmds.indexOf("RSET");
            assertThat(rset).isPositive();
            assertThat(cmds.get(rset + 1)).startsWith("MAIL FROM:");
        }
    }

    @ParameterizedTest(name = "pipelining={0}")
    @ValueSource(booleans = {true, false})
    void aRefusedMailCommandDecidesEveryRecipient(boolean pipelining) throws Exception {
        try (var server = fake(s -> s.ehlo(pipelining ? "PIPELINING" : "8BITMIME")
                        .reply("MAIL", 553, "5.7.1 sender rejected"));
                var client = SmtpClient.open(server.address(), settings())) {
            MessageResult r = client.send(message("a@dest.test", "b@dest.test"));
            assertThat(codes(r)).containsExactly(553, 553);
            assertThat(r.recipients().get(0).reply().status()).isEqualTo(new EnhancedStatus(5, 7, 1));
            assertThat(server.commands().stream().anyMatch(c -> c.startsWith("RCPT"))).isEqualTo(pipelining);
            assertThat(server.messages()).isEmpty();
            client.send(message("a@dest.test"));
            assertThat(server.commands()).contains("RSET");
        }
    }

    @Test
    void aRefusedDataCommandDecidesTheAcceptedRecipients() throws Exception {
        try (var server = fake(s -> s.reply("DATA", 554, "5.7.0 no data for you")
                        .rcptReply("bad@dest.test", 550, "5.1.1 no"));
                var client = SmtpClient.open(server.address(), settings())) {
            MessageResult r = client.send(message("a@dest.test", "bad@dest.test"));
            assertThat(codes(r)).containsExactly(554, 550);
            assertThat(r.dataReply().code()).isEqualTo(554);
            assertThat(server.messages()).isEmpty();
        }
    }

    @ParameterizedTest(name = "end of data {0}")
    @ValueSource(ints = {451, 554})
    void theFinalReplyDecidesTheAcceptedRecipients(int code) throws Exception {
        try (var server = fake(s -> s.dataReply(code, code / 100 + ".3.0 try later")
                        .rcptReply("bad@dest.test", 550, "5.1.1 no"));
                var client = SmtpClient.open(server.address(), settings())) {
            MessageResult r = client.send(message("a@dest.test", "bad@dest.test", "c@dest.test"));
            assertThat(codes(r)).containsExactly(code, 550, code);
            assertThat(r.dataReply().status()).isEqualTo(new EnhancedStatus(code / 100, 3, 0));
            assertThat(client.reusable()).isTrue();
            // A transaction that reached its final reply is over: no RSET before the next.
            assertThat(codes(client.send(message("a@dest.test")))).containsExactly(code);
            assertThat(server.commands()).doesNotContain("RSET");
        }
    }

    @Test
    void reusesOneConnectionForSeveralMessagesWithoutRset() throws Exception {
        try (var server = fake(s -> {});
                var client = SmtpClient.open(server.address(), settings())) {
            for (int i = 0; i < 3; i++) {
                assertThat(codes(client.send(message("a" + i + "@dest.test")))).containsExactly(250);
                assertThat(client.reusable()).isTrue();
            }
            assertThat(server.connections()).isEqualTo(1);
            assertThat(server.messages()).hasSize(3);
            assertThat(server.commands()).doesNotContain("RSET");
        }
    }

    @Test
    void closeSendsQuit() throws Exception {
        try (var server = fake(s -> {})) {
            SmtpClient.open(server.address(), settings()).close();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (!server.commands().contains("QUIT") && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(server.commands()).endsWith("QUIT");
        }
    }

    @Test
    void a421AfterSomeMessagesEndsReuse() throws Exception {
        try (var server = fake(s -> s.closeAfterMessages(2));
                var client = SmtpClient.open(server.address(), settings())) {
            assertThat(codes(client.send(message("a@dest.test")))).containsExactly(250);
            assertThat(codes(client.send(message("a@dest.test")))).containsExactly(250);
            MessageResult third = client.send(message("a@dest.test", "b@dest.test"));
            assertThat(codes(third)).containsExactly(421, 421);
            assertThat(client.reusable()).isFalse();
            MessageResult fourth = client.send(message("a@dest.test"));
            assertThat(fourth.recipients().get(0).reply().code()).isEqualTo(451);
            assertThat(fourth.recipients().get(0).reply().status()).isEqualTo(new EnhancedStatus(4, 4, 2));
            assertThat(server.messages()).hasSize(2);
        }
    }

    @Test
    void a421ToOneRecipientDecidesTheRest() throws Exception {
        try (var server = fake(s -> s.rcptReply("b@dest.test", 421, "4.3.2 shutting down")
                        .rcptReply("a@dest.test", 550, "5.1.1 no"));
                var client = SmtpClient.open(server.address(), settings())) {
            MessageResult r = client.send(message("a@dest.test", "b@dest.test", "c@dest.test"));
            assertThat(codes(r)).containsExactly(550, 421, 421);
            assertThat(client.reusable()).isFalse();
        }
    }

    static Stream<Arguments> brokenConnections() {
        return Stream.of(
                Arguments.of("drop at end of data", (Consumer<Script>) s -> s.dropAt(".")),
                Arguments.of("silent at end of data", (Consumer<Script>) s -> s.silentAt(".")),
                Arguments.of("drop at MAIL", (Consumer<Script>) s -> s.dropAt("MAIL")),
                Arguments.of("silent at DATA", (Consumer<Script>) s -> s.ehlo("8BITMIME").silentAt("DATA")),
                Arguments.of("silent at RCPT", (Consumer<Script>) s -> s.silentAt("RCPT")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenConnections")
    void aLostConnectionLeavesEveryUndecidedRecipientTemporary(String name, Consumer<Script> script) throws Exception {
        var timeouts = new Timeouts(SHORT, SHORT, SHORT, SHORT, SHORT);
        try (var server = fake(script);
                var client = SmtpClient.open(server.address(), settings().withTimeouts(SHORT, timeouts))) {
            long start = System.nanoTime();
            MessageResult r = client.send(message("a@dest.test", "b@dest.test"));
            assertThat(r.recipients()).allSatisfy(x -> {
                assertThat(x.reply().code()).isEqualTo(451);
                assertThat(x.reply().status()).isEqualTo(new EnhancedStatus(4, 4, 2));
                assertThat(x.reply().lines().get(0)).startsWith("Connection lost or timed out: ");
            });
            assertThat(client.reusable()).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aRemoteThatStopsReadingDataIsTimedOut() throws Exception {
        // A raw server that takes the envelope and then never reads the data: only the write deadline helps.
        try (ServerSocket listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket s = listener.accept()) {
                    OutputStream out = s.getOutputStream();
                    InputStream in = s.getInputStream();
                    out.write("220 raw ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
                    for (String reply : List.of("250 raw", "250 ok", "250 ok", "354 go")) {
                        readLine(in);
                        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    }
                    Thread.sleep(20_000); // the subject: a server that stops answering after 354
                } catch (Exception ignored) {
                    // the client closed
                }
            });
            var timeouts = new Timeouts(SHORT, SHORT, SHORT, Duration.ofMillis(500), SHORT);
            try (var client = SmtpClient.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    listener.getLocalPort()), settings().withTimeouts(SHORT, timeouts))) {
                byte[] big = new byte[64 * 1024 * 1024];
                java.util.Arrays.fill(big, (byte) 'x');
                for (int i = 998; i < big.length; i += 1000) {
                    big[i] = '\r';
                    big[i + 1] = '\n';
                }
                long start = System.nanoTime();
                MessageResult r = client.send(OutboundMessage.of("s@o.test", List.of("a@dest.test"), big));
                assertThat(codes(r)).containsExactly(451);
                assertThat(r.recipients().get(0).reply().lines().get(0)).contains("write timed out");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
                assertThat(client.reusable()).isFalse();
            }
        }
    }

    private static void readLine(InputStream in) throws IOException {
        int c;
        while ((c = in.read()) >= 0 && c != '\n') { /* skip */ }
    }

    // ---- connection set-up ----

    static Stream<Arguments> setupFailures() {
        Consumer<Script> none = s -> {};
        return Stream.of(
                Arguments.of("blackhole", (Consumer<Script>) Script::blackhole, Stage.GREETING, Kind.TIMEOUT, 0),
                Arguments.of("drop at greeting", (Consumer<Script>) Script::dropAtGreeting, Stage.GREETING, Kind.IO, 0),
                Arguments.of("greeting 421", (Consumer<Script>) s -> s.greeting(421), Stage.GREETING, Kind.TEMPORARY, 421),
                Arguments.of("greeting 554", (Consumer<Script>) s -> s.greeting(554), Stage.GREETING, Kind.PERMANENT, 554),
                Arguments.of("EHLO 421", (Consumer<Script>) s -> s.reply("EHLO", 421, "4.3.2 busy"), Stage.EHLO,
                        Kind.TEMPORARY, 421),
                Arguments.of("EHLO 500, HELO 550", (Consumer<Script>) s -> s.reply("EHLO", 500, "5.5.1 what")
                        .reply("HELO", 550, "5.7.1 not you"), Stage.EHLO, Kind.PERMANENT, 550),
                Arguments.of("slow replies", (Consumer<Script>) s -> s.slowReplies(Duration.ofMillis(1500)),
                        Stage.GREETING, Kind.TIMEOUT, 0),
                Arguments.of("none", none, null, null, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("setupFailures")
    void setupFailuresSayWhereAndWhy(String name, Consumer<Script> script, Stage stage, Kind kind, int code)
            throws Exception {
        var timeouts = new Timeouts(SHORT, SHORT, SHORT, SHORT, SHORT);
        try (var server = fake(script)) {
            if (stage == null) {
                SmtpClient.open(server.address(), settings().withTimeouts(SHORT, timeouts)).close();
                return;
            }
            assertThatThrownBy(() -> SmtpClient.open(server.address(), settings().withTimeouts(SHORT, timeouts)))
                    .isInstanceOfSatisfying(ClientFailure.class, f -> {
                        assertThat(f.stage()).isEqualTo(stage);
                        assertThat(f.kind()).isEqualTo(kind);
                        if (code == 0) assertThat(f.reply()).isNull();
                        else assertThat(f.reply().code()).isEqualTo(code);
                    });
        }
    }

    @Test
    void aSlowCommandReplyTimesOutAtEhlo() throws Exception {
        var timeouts = new Timeouts(Duration.ofSeconds(3), SHORT, SHORT, SHORT, SHORT);
        try (var server = fake(s -> s.slowReplies(Duration.ofMillis(1200)))) {
            assertThatThrownBy(() -> SmtpClient.open(server.address(), settings().withTimeouts(SHORT, timeouts)))
                    .isInstanceOfSatisfying(ClientFailure.class, f -> {
                        assertThat(f.stage()).isEqualTo(Stage.EHLO);
                        assertThat(f.kind()).isEqualTo(Kind.TIMEOUT);
                    });
        }
    }

    @Test
    void aClosedPortIsRefused() {
        assertThatThrownBy(() -> SmtpClient.open(FakeSmtpServer.closedAddress(), settings()))
                .isInstanceOfSatisfying(ClientFailure.class, f -> {
                    assertThat(f.stage()).isEqualTo(Stage.CONNECT);
                    assertThat(f.kind()).isEqualTo(Kind.REFUSED);
                });
    }

    @Test
    void aMalformedGreetingIsAnIoFailure() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket s = listener.accept()) {
                    s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    Thread.sleep(2000); // the subject: an HTTP server that keeps the connection open after its reply
                } catch (Exception ignored) {
                    // done
                }
            });
            var address = new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
            assertThatThrownBy(() -> SmtpClient.open(address, settings()))
                    .isInstanceOfSatisfying(ClientFailure.class, f -> {
                        assertThat(f.stage()).isEqualTo(Stage.GREETING);
                        assertThat(f.kind()).isEqualTo(Kind.IO);
                    });
        }
    }

    @Test
    void fallsBackToHeloWhenEhloIsRefused() throws Exception {
        try (var server = fake(s -> s.reply("EHLO", 502, "5.5.1 no EHLO here"));
                var client = SmtpClient.open(server.address(), settings())) {
            assertThat(client.extensions()).isEmpty();
            assertThat(server.commands()).containsSubsequence("EHLO client.test", "HELO client.test");
            var m = new OutboundMessage("s@o.test", List.of(OutboundRecipient.of("a@dest.test")), BODY, true, false,
                    "id", "FULL");
            assertThat(codes(client.send(m))).containsExactly(250);
            assertThat(server.messages().get(0).mailParams()).isEmpty();
        }
    }

    @Test
    void parsesAMultiLineEhloReply() throws Exception {
        try (var server = fake(s -> s.ehlo("PIPELINING", "SIZE 35882577", "auth=LOGIN", "STARTTLS", "x-custom a b"));
                var client = SmtpClient.open(server.address(), settings())) {
            assertThat(client.extensions()).containsExactly("PIPELINING", "SIZE", "AUTH", "STARTTLS", "X-CUSTOM");
            assertThat(client.maxSize()).isEqualTo(35882577L);
            assertThat(client.tlsVersion()).isNull();
            assertThat(client.tlsCipher()).isNull();
        }
    }

    // ---- TLS ----

    private static final javax.net.ssl.SSLContext SERVER_TLS = TestTls.get().serverContext();

    private static Consumer<Script> startTls(String... more) {
        String[] ehlo = Stream.concat(Stream.of("PIPELINING", "ENHANCEDSTATUSCODES", "STARTTLS"), Stream.of(more))
                .toArray(String[]::new);
        return s -> s.ehlo(ehlo).tls(SERVER_TLS);
    }

    @Test
    void opportunisticTlsUsesStartTlsAndTheSecondEhlo() throws Exception {
        try (var server = fake(startTls("SIZE 5000"));
                var client = SmtpClient.open(server.address(), opportunistic())) {
            assertThat(client.tlsVersion()).isEqualTo("TLSv1.3");
            assertThat(client.tlsCipher()).startsWith("TLS_");
            assertThat(client.extensions()).contains("SIZE").doesNotContain("STARTTLS");
            assertThat(codes(client.send(message("a@dest.test")))).containsExactly(250);
            assertThat(server.commands()).containsSubsequence("EHLO client.test", "STARTTLS", "EHLO client.test");
            assertThat(server.lines()).filteredOn(l -> l.text().startsWith("MAIL"))
                    .singleElement().satisfies(l -> assertThat(l.tls()).isTrue());
            assertThat(server.messages().get(0).tls()).isTrue();
        }
    }

    @Test
    void negotiatesTls12WhenThatIsAllTheServerSpeaks() throws Exception {
        try (var server = fake(startTls().andThen(s -> s.protocols("TLSv1.2")));
                var client = SmtpClient.open(server.address(), opportunistic())) {
            assertThat(client.tlsVersion()).isEqualTo("TLSv1.2");
            assertThat(client.tlsCipher()).contains("ECDHE");
        }
    }

    @Test
    void opportunisticTlsWithoutStartTlsStaysPlain() throws Exception {
        try (var server = fake(s -> s.ehlo("PIPELINING"));
                var client = SmtpClient.open(server.address(), opportunistic())) {
            assertThat(client.tlsVersion()).isNull();
            assertThat(codes(client.send(message("a@dest.test")))).containsExactly(250);
            assertThat(server.commands()).doesNotContain("STARTTLS");
        }
    }

    @Test
    void tlsModeNoneNeverStartsTls() throws Exception {
        try (var server = fake(startTls());
                var client = SmtpClient.open(server.address(), settings())) {
            assertThat(client.tlsVersion()).isNull();
            assertThat(client.extensions()).contains("STARTTLS");
            assertThat(server.commands()).doesNotContain("STARTTLS");
        }
    }

    @Test
    void requiredTlsWithoutStartTlsFailsBeforeAnyTransaction() throws Exception {
        try (var server = fake(s -> s.ehlo("PIPELINING").tls(SERVER_TLS))) {
            assertThatThrownBy(() -> SmtpClient.open(server.address(),
                    settings().withTls(TlsMode.REQUIRED, TestTls.trustAllClient())))
                    .isInstanceOfSatisfying(ClientFailure.class, f -> {
                        assertThat(f.stage()).isEqualTo(Stage.STARTTLS);
                        assertThat(f.kind()).isEqualTo(Kind.TLS_UNAVAILABLE);
                    });
            assertThat(server.commands()).noneMatch(c -> c.startsWith("MAIL") || c.equals("STARTTLS"));
        }
    }

    @Test
    void aRefusedStartTlsIsFatalOnlyWhenTlsIsRequired() throws Exception {
        Consumer<Script> refusing = startTls().andThen(s -> s.reply("STARTTLS", 454, "4.7.0 TLS not available"));
        try (var server = fake(refusing);
                var client = SmtpClient.open(server.address(), opportunistic())) {
            assertThat(client.tlsVersion()).isNull();
            assertThat(codes(client.send(message("a@dest.test")))).containsExactly(250);
        }
        try (var server = fake(refusing)) {
            assertThatThrownBy(() -> SmtpClient.open(server.address(),
                    settings().withTls(TlsMode.REQUIRED, TestTls.trustAllClient())))
                    .isInstanceOfSatisfying(ClientFailure.class, f -> {
                        assertThat(f.stage()).isEqualTo(Stage.STARTTLS);
                        assertThat(f.kind()).isEqualTo(Kind.TEMPORARY);
                        assertThat(f.reply().code()).isEqualTo(454);
                    });
        }
    }

    @Test
    void aStalledHandshakeTimesOut() throws Exception {
        var timeouts = new Timeouts(SHORT, SHORT, SHORT, SHORT, SHORT);
        try (var server = fake(startTls().andThen(s -> s.tlsFailure(TlsFailure.STALL_DURING_HANDSHAKE)))) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> SmtpClient.open(server.address(), opportunistic().withTimeouts(SHORT, timeouts)))
                    .isInstanceOfSatisfying(ClientFailure.class, f -> {
                        assertThat(f.stage()).isEqualTo(Stage.TLS_HANDSHAKE);
                        assertThat(f.kind()).isEqualTo(Kind.TIMEOUT);
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(SHORT, Duration.ofSeconds(3));
        }
    }

    static Stream<Arguments> handshakeFailures() {
        return Stream.of(
                Arguments.of("server closes during the handshake",
                        (Consumer<Script>) s -> s.tlsFailure(TlsFailure.CLOSE_DURING_HANDSHAKE)),
                Arguments.of("server answers in plaintext", (Consumer<Script>) s -> s.tlsFailure(TlsFailure.NOT_TLS)),
                Arguments.of("no common protocol (server TLS 1.1 only)", (Consumer<Script>) s -> s.protocols("TLSv1.1")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("handshakeFailures")
    void aFailedHandshakeIsReportedForThePlaintextRetry(String name, Consumer<Script> failure) throws Exception {
        for (boolean implicit : new boolean[] {false, true}) {
            Consumer<Script> script = implicit
                    ? failure.andThen(s -> s.implicitTls(SERVER_TLS))
                    : startTls().andThen(failure);
            ClientSettings cs = implicit ? settings().withImplicitTls(TestTls.trustAllClient()) : opportunistic();
            try (var server = fake(script)) {
                assertThatThrownBy(() -> SmtpClient.open(server.address(), cs))
                        .as("implicit=%s", implicit)
                        .isInstanceOfSatisfying(ClientFailure.class, f -> {
                            assertThat(f.stage()).isEqualTo(Stage.TLS_HANDSHAKE);
                            assertThat(f.kind()).isEqualTo(Kind.TLS);
                        });
                assertThat(server.commands()).noneMatch(c -> c.startsWith("MAIL"));
            }
        }
    }

    @Test
    void implicitTlsHandshakesBeforeTheGreeting() throws Exception {
        try (var server = fake(s -> s.implicitTls(SERVER_TLS).ehlo("PIPELINING", "AUTH PLAIN"));
                var client = SmtpClient.open(server.address(), settings().withImplicitTls(TestTls.trustAllClient()))) {
            assertThat(client.tlsVersion()).isEqualTo("TLSv1.3");
            assertThat(client.banner()).isEqualTo("fake.test ESMTP ready");
            assertThat(codes(client.send(message("a@dest.test")))).containsExactly(250);
            assertThat(server.lines()).allSatisfy(l -> assertThat(l.tls()).isTrue());
        }
    }

    @ParameterizedTest(name = "sni={0} -> ok={1}")
    @org.junit.jupiter.params.provider.CsvSource({"mx.test, true", "other.test, false"})
    void verifiesTheHostnameAgainstTheCertificate(String sni, boolean ok) throws Exception {
        ClientSettings cs = settings().withTls(TlsMode.REQUIRED, TestTls.get().trustingClient()).withHostname(sni, true);
        try (var server = fake(startTls())) {
            if (ok) {
                try (var client = SmtpClient.open(server.address(), cs)) {
                    assertThat(client.tlsVersion()).isNotNull();
                }
            } else {
                assertThatThrownBy(() -> SmtpClient.open(server.address(), cs))
                        .isInstanceOfSatisfying(ClientFailure.class, f -> {
                            assertThat(f.stage()).isEqualTo(Stage.TLS_HANDSHAKE);
                            assertThat(f.kind()).isEqualTo(Kind.TLS);
                        });
            }
        }
    }

    @Test
    void anUntrustedCertificateFailsTheHandshakeWhenVerifying() throws Exception {
        // The default trust store does not know the self-signed mx.test certificate.
        var defaultContext = javax.net.ssl.SSLContext.getInstance("TLS");
        defaultContext.init(null, null, null);
        ClientSettings cs = settings().withTls(TlsMode.REQUIRED, defaultContext).withHostname("mx.test", true);
        try (var server = fake(startTls())) {
            assertThatThrownBy(() -> SmtpClient.open(server.address(), cs))
                    .isInstanceOfSatisfying(ClientFailure.class, f -> assertThat(f.kind()).isEqualTo(Kind.TLS));
        }
    }

    // ---- AUTH ----

    private static final Credentials ALICE = new Credentials("alice", "s3cret-pass");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"AUTH PLAIN LOGIN", "AUTH LOGIN", "AUTH=LOGIN PLAIN"})
    void authenticatesAfterStartTls(String offer) throws Exception {
        try (var server = fake(startTls(offer).andThen(s -> s.auth("alice", "s3cret-pass")));
                var client = SmtpClient.open(server.address(), opportunistic().withCredentials(ALICE))) {
            assertThat(codes(client.send(message("a@dest.test")))).containsExactly(250);
            var auth = server.lines().stream().filter(l -> l.text().startsWith("AUTH")).toList();
            assertThat(auth).singleElement().satisfies(l -> {
                assertThat(l.tls()).isTrue();
                assertThat(l.text()).startsWith(offer.contains("PLAIN") ? "AUTH PLAIN " : "AUTH LOGIN");
            });
            int starttls = server.commands().indexOf("STARTTLS");
            assertThat(starttls).isNotNegative().isLessThan(server.commands().indexOf(auth.get(0).text()));
        }
    }

    @Test
    void neverSendsCredentialsWithoutTls() throws Exception {
        try (var server = fake(s -> s.ehlo("PIPELINING", "AUTH PLAIN LOGIN").auth("alice", "s3cret-pass"))) {
            for (ClientSettings cs : List.of(settings().withCredentials(ALICE), opportunistic().withCredentials(ALICE))) {
                assertThatThrownBy(() -> SmtpClient.open(server.address(), cs))
                        .isInstanceOfSatisfying(ClientFailure.class, f -> {
                            assertThat(f.stage()).isEqualTo(Stage.AUTH);
                            assertThat(f.kind()).isEqualTo(Kind.AUTH_UNAVAILABLE);
                        });
            }
            assertThat(server.commands()).noneMatch(c -> c.startsWith("AUTH"));
            assertThat(String.join("\n", server.commands())).doesNotContain(
                    java.util.Base64.getEncoder().encodeToString("s3cret-pass".getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void credentialsWithoutAnOfferedMechanismAreUnavailable() throws Exception {
        try (var server = fake(startTls("AUTH CRAM-MD5"))) {
            assertThatThrownBy(() -> SmtpClient.open(server.address(), opportunistic().withCredentials(ALICE)))
                    .isInstanceOfSatisfying(ClientFailure.class, f -> {
                        assertThat(f.stage()).isEqualTo(Stage.AUTH);
                        assertThat(f.kind()).isEqualTo(Kind.AUTH_UNAVAILABLE);
                    });
            assertThat(server.commands()).noneMatch(c -> c.startsWith("AUTH"));
        }
    }

    static Stream<Arguments> authFailures() {
        return Stream.of(
                Arguments.of("wrong password PLAIN", "AUTH PLAIN", (Consumer<Script>) s -> s.auth("alice", "other"),
                        Kind.PERMANENT, 535),
                Arguments.of("wrong password LOGIN", "AUTH LOGIN", (Consumer<Script>) s -> s.auth("alice", "other"),
                        Kind.PERMANENT, 535),
                Arguments.of("temporary failure", "AUTH PLAIN",
                        (Consumer<Script>) s -> s.reply("AUTH", 454, "4.7.0 try later"), Kind.TEMPORARY, 454));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("authFailures")
    void authFailuresNeverRevealThePassword(String name, String offer, Consumer<Script> script, Kind kind, int code)
            throws Exception {
        try (var server = fake(startTls(offer).andThen(script))) {
            assertThatThrownBy(() -> SmtpClient.open(server.address(), opportunistic().withCredentials(ALICE)))
                    .isInstanceOfSatisfying(ClientFailure.class, f -> {
                        assertThat(f.stage()).isEqualTo(Stage.AUTH);
                        assertThat(f.kind()).isEqualTo(kind);
                        assertThat(f.reply().code()).isEqualTo(code);
                        assertThat(f.getMessage()).doesNotContain("s3cret-pass");
                        assertThat(String.valueOf(f.getCause())).doesNotContain("s3cret-pass");
                    });
            assertThat(server.commands()).noneMatch(c -> c.startsWith("MAIL"));
        }
    }

    @Test
    void credentialsDoNotPrintThePassword() {
        assertThat(ALICE.toString()).contains("alice").doesNotContain("s3cret-pass");
        assertThat(opportunistic().withCredentials(ALICE).toString()).doesNotContain("s3cret-pass");
    }

    // ---- a real peer ----

    @Test
    void deliversThreeMessagesOverOneConnectionToPostfixSmtpSink() throws Exception {
        assumeThat(Peer.available("smtp-sink")).as("smtp-sink (Debian postfix) installed").isTrue();
        Path dir = TempDirs.dir("smtp-sink");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path dump = dir.resolve("dump");
        int port = FreePorts.next();
        Process sink = new ProcessBuilder("/usr/sbin/smtp-sink", "-u", "nobody", "-D", dump.toString(),
                "127.0.0.1:" + port, "100").redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
        try {
            var address = new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port);
            SmtpClient client = null;
            for (int i = 0; i < 100 && client == null; i++) {
                try {
                    client = SmtpClient.open(address, settings());
                } catch (ClientFailure f) {
                    if (f.kind() != Kind.REFUSED) throw f;
                    Thread.sleep(50);
                }
            }
            assertThat(client).as("smtp-sink listening").isNotNull();
            try (SmtpClient c = client) {
                assertThat(c.extensions()).contains("PIPELINING");
                var local = c.remote();
                for (int i = 1; i <= 3; i++) {
                    byte[] data = ("Subject: sink test " + i + "\r\n\r\n.dot line\r\nbody " + i + "\r\n")
                            .getBytes(StandardCharsets.US_ASCII);
                    MessageResult r = c.send(OutboundMessage.of("s@o.test", List.of("a@dest.test", "b@dest.test"), data));
                    assertThat(codes(r)).containsExactly(250, 250);
                    assertThat(r.dataReply().code()).isEqualTo(250);
                    assertThat(c.reusable()).isTrue();
                    assertThat(c.remote()).isEqualTo(local);
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            String text = "";
            while (System.nanoTime() < deadline) {
                text = Files.exists(dump) ? Files.readString(dump, StandardCharsets.ISO_8859_1) : "";
                if (text.contains("sink test 3")) break;
                Thread.sleep(50);
            }
            assertThat(text).contains("Subject: sink test 1", "Subject: sink test 2", "Subject: sink test 3");
            assertThat(text).contains(".dot line").doesNotContain("..dot line");
        } finally {
            sink.destroy();
            sink.waitFor(5, TimeUnit.SECONDS);
            if (sink.isAlive()) sink.destroyForcibly();
        }
    }
}
