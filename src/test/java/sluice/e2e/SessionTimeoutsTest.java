package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import sluice.testkit.Dialog;
import sluice.testkit.SluiceHarness;

/**
 * RFC 5321 4.5.3.2 timeouts, enforced by the server's watchdog rather than socket timeouts: per read
 * (command and data), per TLS handshake, and per write to a client that stops reading.
 */
class SessionTimeoutsTest {

    @Test
    void silentClientInDataGets421AndNothingIsQueued() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", "[timeouts]\ncommand = \"10s\"\ndata = \"1s\"\nshutdown = \"5s\"\n")) {
            try (Dialog d = new Dialog(s.mx)) {
                d.expect();
                d.ask("EHLO c.test");
                d.ask("MAIL FROM:<a@far.test>");
                d.ask("RCPT TO:<bob@example.test>");
                assertThat(d.ask("DATA")).startsWith("354");
                d.raw("Subject: half\r\n\r\nstarted but never ");
                long start = System.nanoTime();
                assertThat(d.expect()).startsWith("421 4.4.2");
                assertThat(d.closedByPeer()).isTrue();
                assertThat((System.nanoTime() - start) / 1_000_000).isBetween(900L, 5_000L);
            }
            assertThat(s.queue()).isEmpty();
        }
    }

    @Test
    void timeoutIsPerReadNotPerSession() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", "[timeouts]\ncommand = \"1s\"\nshutdown = \"5s\"\n")) {
            try (Dialog d = new Dialog(s.mx)) {
                d.expect();
                for (int i = 0; i < 8; i++) { // 2.4 s in all, never 1 s quiet
                    Thread.sleep(300); // the subject: a slow but never idle client
                    assertThat(d.ask("NOOP")).startsWith("250 2.0.0");
                }
            }
        }
    }

    @Test
    void silentImplicitTlsClientIsClosedAfterTheHandshakeTimeout() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", "[timeouts]\nhandshake = \"1s\"\nshutdown = \"5s\"\n");
             Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress("127.0.0.1", s.submissions));
            raw.setSoTimeout(10_000);
            long start = System.nanoTime();
            assertThat(raw.getInputStream().read()).isEqualTo(-1); // no TLS ClientHello from us: closed, nothing said
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(900L, 5_000L);
        }
    }

    @Test
    void clientThatStopsReadingIsClosed() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", "[timeouts]\ncommand = \"1s\"\nshutdown = \"5s\"\n");
             Socket sock = new Socket()) {
            sock.setReceiveBufferSize(4096);
            sock.connect(new InetSocketAddress("127.0.0.1", s.mx));
            // Pipelined NOOPs whose replies we never read: once the buffers are full the server's write
            // blocks, it stops reading, and then so does our write, until the server gives up on us.
            byte[] noops = "NOOP\r\n".repeat(4096).getBytes(StandardCharsets.US_ASCII);
            OutputStream out = sock.getOutputStream();
            long start = System.nanoTime();
            CompletableFuture<Boolean> writer = CompletableFuture.supplyAsync(() -> {
                try {
                    for (int i = 0; i < 20_000; i++) out.write(noops); // 500 MB of replies: far beyond any buffer
                    return false;
                } catch (IOException closedByServer) {
                    return true;
                }
            }, Executors.newVirtualThreadPerTaskExecutor());
            try {
                assertThat(writer.get(20, TimeUnit.SECONDS)).as("the server closed the connection").isTrue();
            } finally {
                sock.close(); // unblocks the writer if the server never did
            }
            assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThan(900L);
        }
    }
}
