package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import sluice.testkit.Dialog;
import sluice.testkit.FreePorts;
import sluice.testkit.SluiceHarness;

/** Per-listener and per-client rules, each on its own node so that one test's client IP state cannot leak. */
class ListenerRulesTest {

    private static Dialog tlsLogin(SluiceHarness s) throws Exception {
        return Dialog.startTls(s.submission);
    }

    @Test
    void fiveAuthFailuresLockTheClientOut() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            String bad = Base64.getEncoder().encodeToString("\0alice@example.test\0wrong".getBytes(StandardCharsets.UTF_8));
            String good = Base64.getEncoder().encodeToString("\0alice@example.test\0secret".getBytes(StandardCharsets.UTF_8));
            try (Dialog d = tlsLogin(s)) {
                for (int i = 0; i < 5; i++) assertThat(d.ask("AUTH PLAIN " + bad)).startsWith("535 5.7.8");
                // locked out now, even with the right password
                assertThat(d.ask("AUTH PLAIN " + good)).startsWith("454 4.7.0");
            }
            try (Dialog d = tlsLogin(s)) {
                assertThat(d.ask("AUTH PLAIN " + good)).startsWith("454 4.7.0");
            }
            assertThat(java.nio.file.Files.readString(s.deliveryLog())).doesNotContain("secret").doesNotContain(good);
        }
    }

    @Test
    void belowTheDiskReserveNewMailIsRefusedWith452() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", "[spool]\ndisk_reserve = \"1000000TiB\"\n")) {
            try (Dialog d = new Dialog(s.mx)) {
                d.expect();
                d.ask("EHLO c.test");
                assertThat(d.ask("MAIL FROM:<x@far.test>")).startsWith("452 4.3.1");
            }
            assertThat(s.queue()).isEmpty();
        }
    }

    @Test
    void proxyProtocolGivesTheRealClientAndDenyRulesUseIt() throws Exception {
        int proxied = FreePorts.next();
        int denied = FreePorts.next();
        String extra = """
                [[listeners]]
                address = "127.0.0.1"
                port = %d
                mode = "mx"
                proxy_protocol = true
                proxy_from = ["127.0.0.2/32"]
                deny = ["198.51.100.0/24"]

                [[listeners]]
                address = "127.0.0.1"
                port = %d
                mode = "mx"
                deny = ["127.0.0.0/8"]
                """.formatted(proxied, denied);
        try (SluiceHarness s = SluiceHarness.start("[]", extra)) {
            try (Socket sock = fromLoadBalancer(proxied)) {
                OutputStream out = sock.getOutputStream();
                out.write("PROXY TCP4 203.0.113.7 127.0.0.1 40000 25\r\n".getBytes(StandardCharsets.US_ASCII));
                out.write(("EHLO c.test\r\nMAIL FROM:<x@far.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n").getBytes());
                out.flush();
                var in = new java.io.BufferedReader(new java.io.InputStreamReader(sock.getInputStream()));
                String line;
                while ((line = in.readLine()) != null && !line.startsWith("354")) {
                    assertThat(line).doesNotStartWith("5");
                }
                out.write("Subject: via proxy\r\n\r\nhi\r\n.\r\nQUIT\r\n".getBytes());
                out.flush();
                assertThat(in.readLine()).startsWith("250 2.0.0 OK: queued as");
            }
            var m = s.queue().get(0);
            assertThat(m.envelope().attributes()).containsEntry("client_ip", "203.0.113.7");
            assertThat(new String(s.spool().readData(m.id()).orElseThrow())).contains("([203.0.113.7])");

            try (Socket sock = fromLoadBalancer(proxied)) {
                sock.getOutputStream().write("PROXY TCP4 198.51.100.9 127.0.0.1 40000 25\r\n".getBytes());
                var in = new java.io.BufferedReader(new java.io.InputStreamReader(sock.getInputStream()));
                assertThat(in.readLine()).startsWith("554 5.7.1");
            }
            try (Dialog d = new Dialog(denied)) {
                assertThat(d.expect()).startsWith("554 5.7.1");
                assertThat(d.closedByPeer()).isTrue();
            }
            // without a PROXY header a proxy-protocol listener gives nothing away
            try (Socket sock = fromLoadBalancer(proxied); Dialog d = new Dialog(sock)) {
                d.send("EHLO c.test");
                assertThat(d.closedByPeer()).isTrue();
            }
        }
    }

    /** A client bound to 127.0.0.2, the test's load balancer (loopback addresses need no set-up on Linux). */
    private static Socket fromLoadBalancer(int port) throws IOException {
        return from("127.0.0.2", port);
    }

    private static Socket from(String source, int port) throws IOException {
        Socket sock = new Socket();
        sock.bind(new InetSocketAddress(source, 0));
        sock.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        sock.setSoTimeout(10_000);
        return sock;
    }

    @Test
    void aPeerOutsideProxyFromIsClosedBeforeItsHeaderIsRead() throws Exception {
        int proxied = FreePorts.next();
        String extra = """
                [[listeners]]
                address = "127.0.0.1"
                port = %d
                mode = "mx"
                proxy_protocol = true
                proxy_from = ["127.0.0.2/32"]
                """.formatted(proxied);
        // 127.0.0.1 is a trusted network: a header believed from anyone would let anyone relay.
        try (SluiceHarness s = SluiceHarness.start("[\"127.0.0.0/8\"]", extra)) {
            for (String outsider : List.of("127.0.0.1", "127.0.0.3")) {
                try (Socket sock = from(outsider, proxied)) {
                    OutputStream out = sock.getOutputStream();
                    // C: PROXY TCP4 127.0.0.1 ...   S: (nothing; closed)
                    out.write("PROXY TCP4 127.0.0.1 127.0.0.1 40000 25\r\nEHLO c.test\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    assertThat(sock.getInputStream().readAllBytes()).as("what %s was told", outsider).isEmpty();
                }
            }
            // the load balancer's header is still read and believed
            try (Socket sock = fromLoadBalancer(proxied); Dialog d = new Dialog(sock)) {
                d.raw("PROXY TCP4 127.0.0.1 127.0.0.1 40000 25\r\n");
                assertThat(d.expect()).startsWith("220");
                d.ask("EHLO c.test");
                d.ask("MAIL FROM:<x@example.test>");
                assertThat(d.ask("RCPT TO:<someone@far.test>")).startsWith("250");
            }
            String metricsUrl = "http://" + s.config().admin().address() + "/metrics";
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(http(metricsUrl)).contains("sluice_connections_rejected_total{listener=\"mx\",port=\""
                            + proxied + "\",reason=\"proxy_header\"} 2"));
        }
    }

    private static String http(String url) throws Exception {
        try (var client = java.net.http.HttpClient.newHttpClient()) {
            return client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    @Test
    void perIpConnectionCapAnswers421() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", "[limits]\nmax_connections_per_ip = 2\n")) {
            try (Dialog a = new Dialog(s.mx); Dialog b = new Dialog(s.mx)) {
                assertThat(a.expect()).startsWith("220");
                assertThat(b.expect()).startsWith("220");
                try (Dialog c = new Dialog(s.mx)) {
                    assertThat(c.expect()).startsWith("421 4.7.0");
                }
            }
            try (Dialog again = new Dialog(s.mx)) {
                assertThat(again.expect()).startsWith("220");
            }
        }
    }

    @Test
    void idleClientTimesOutWith421() throws Exception {
        try (SluiceHarness s = SluiceHarness.start("[]", "[timeouts]\ncommand = \"1s\"\nshutdown = \"5s\"\n")) {
            try (Dialog d = new Dialog(s.mx)) {
                d.expect();
                assertThat(d.expect()).startsWith("421 4.4.2");
            }
        }
    }

    @Test
    void receivedEventIsLogged() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            try (Dialog d = tlsLogin(s)) {
                d.login(SluiceHarness.USER, SluiceHarness.PASSWORD);
                d.ask("MAIL FROM:<alice@example.test>");
                d.ask("RCPT TO:<bob@far.test>");
                d.ask("DATA");
                assertThat(d.ask("Subject: logged\r\n\r\nhi\r\n.")).startsWith("250 2.0.0");
            }
            String id = s.queue().get(0).id();
            long deadline = System.currentTimeMillis() + 5000;
            String log = "";
            while (System.currentTimeMillis() < deadline && !log.contains(id)) {
                Thread.sleep(50);
                log = java.nio.file.Files.exists(s.deliveryLog()) ? java.nio.file.Files.readString(s.deliveryLog()) : "";
            }
            assertThat(log).contains("\"event\":\"received\"", "\"queue_id\":\"" + id + "\"", "\"auth_user\":\"alice@example.test\"",
                    "\"listener\":" + s.submission, "\"tls\":\"TLSv1.3\"", "\"message_id\":\"<" + id);
        }
    }
}
