package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;

/** A thousand idle sessions hold no carrier and no slot a new client needs: swaks still gets through at once. */
class IdleSessionsTest {
    private static final int IDLE = 1000;

    @Test
    @Timeout(120)
    void aThousandIdleSessionsThenARealClientStillGetsItsGreetingAndItsMessageIn() throws Exception {
        Assumptions.assumeTrue(Peer.available("swaks"), "needs swaks");
        try (SluiceHarness sluice = SluiceHarness.start("[]",
                "[limits]\nmax_connections = 1100\nmax_connections_per_ip = 1100\n")) {
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < IDLE; i++) {
                    Socket s = new Socket();
                    idle.add(s);
                    s.connect(new InetSocketAddress("127.0.0.1", sluice.mx), 5000);
                    s.setSoTimeout(5000); // the deadline of each greeting
                    assertThat(greeting(s.getInputStream())).as("greeting of idle session %d", i).startsWith("220 ");
                }

                long start = System.nanoTime();
                try (Socket one = new Socket("127.0.0.1", sluice.mx)) {
                    one.setSoTimeout(2000);
                    assertThat(greeting(one.getInputStream())).startsWith("220 ");
                }
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));

                Peer.Result swaks = Peer.run(List.of("swaks", "--server", "127.0.0.1:" + sluice.mx,
                        "--from", "sender@far.test", "--to", "postmaster@example.test", "--timeout", "10",
                        "--header", "Subject: after a thousand idle sessions"), null, 30);
                assertThat(swaks.ok()).as(swaks.output()).isTrue();
                assertThat(swaks.output()).contains("<-  220 ").contains("<-  250 ");
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(sluice.queue()).hasSize(1));

                for (Socket s : idle) {  // every idle session still answers: none was dropped to make room
                    s.getOutputStream().write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                for (Socket s : idle) assertThat(greeting(s.getInputStream())).startsWith("250 ");
            } finally {
                for (Socket s : idle) s.close();
            }
        }
    }

    /** One reply's last line ("NNN text"), read byte by byte up to its LF. */
    private static String greeting(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) throw new IOException("closed after " + line);
            if (b == '\n') {
                if (line.length() >= 4 && line.charAt(3) == ' ') return line.toString();
                line.setLength(0);
            } else if (b != '\r') {
                line.append((char) b);
            }
        }
    }
}
