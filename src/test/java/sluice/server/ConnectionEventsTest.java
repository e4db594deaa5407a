package sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sluice.auth.UserStore;
import sluice.config.Config;
import sluice.config.ConfigLoader;
import sluice.observe.DeliveryEvent;
import sluice.observe.Events;
import sluice.observe.Metrics;
import sluice.policy.LocalRecipients;
import sluice.queue.Ingest;
import sluice.spool.Spool;
import sluice.testkit.Dialog;
import sluice.testkit.FreePorts;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TempDirs;

/** What a server tells the fan-out about listeners, connections, TLS and AUTH: real sessions on loopback. */
class ConnectionEventsTest {
    private final List<DeliveryEvent> seen = new CopyOnWriteArrayList<>();
    private final Metrics metrics = new Metrics();
    private Spool spool;
    private Server server;
    private int[] ports;

    @BeforeEach
    void start() throws Exception {
        Path dir = TempDirs.dir("sluice-events");
        ports = new int[] {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Config config = ConfigLoader.load(SluiceHarness.writeConfig(dir, ports, "[]",
                "[limits]\nmax_connections_per_ip = 1\n"), null);
        Files.createDirectories(config.dataDir());
        UserStore users = UserStore.open(config.dataDir());
        users.put(SluiceHarness.USER, SluiceHarness.PASSWORD.getBytes(StandardCharsets.UTF_8), List.of(SluiceHarness.USER));
        TlsContexts tls = TlsContexts.load(config.tls(), config.dataDir(), config.hostname());
        spool = Spool.open(config.dataDir().resolve("spool"), config.spool().diskReserve());
        Events events = new Events().subscribe(seen::add).subscribe(metrics);
        Ingest ingest = new Ingest(spool, events, Clock.systemUTC());
        LocalRecipients recipients = new LocalRecipients(config.localDomains(), config.local().aliases(),
                config.local().catchAll(), name -> users.find(name).isPresent());
        server = new Server(config, ingest, events, users, recipients, null, null,
                new sluice.mailauth.MailAuthenticator(null, null, "mx.test", false, Clock.systemUTC()), tls, Clock.systemUTC());
        server.start();
    }

    @AfterEach
    void stop() {
        server.shutdown(Duration.ofSeconds(2));
        spool.close();
    }

    @Test
    void aSubmissionSessionReportsItsLifeWithoutCredentials() throws Exception {
        int port = ports[1];
        try (Dialog d = new Dialog(port)) {
            d.expect();
            d.ask("EHLO c.test");
            d.ask("STARTTLS");
            d.upgrade();
            d.ask("EHLO c.test");
            assertThat(d.ask("AUTH PLAIN " + plain("wrong"))).startsWith("535");
            assertThat(d.ask("AUTH PLAIN " + plain(SluiceHarness.PASSWORD))).startsWith("235");
            d.ask("MAIL FROM:<" + SluiceHarness.USER + ">");
            d.ask("RCPT TO:<bob@example.test>");
            d.ask("DATA");
            assertThat(d.ask("Subject: x\r\n\r\nhi\r\n.")).startsWith("250");
            d.ask("QUIT");
        }
        DeliveryEvent.ConnectionClosed closed = await(DeliveryEvent.ConnectionClosed.class);
        assertThat(closed.port()).isEqualTo(port);
        assertThat(closed.mode()).isEqualTo("submission");
        assertThat(closed.messages()).isEqualTo(1);
        assertThat(closed.durationMs()).isGreaterThanOrEqualTo(0);
        assertThat(of(DeliveryEvent.ConnectionOpened.class)).singleElement()
                .satisfies(o -> assertThat(o.clientIp()).isEqualTo("127.0.0.1"));
        assertThat(of(DeliveryEvent.TlsEstablished.class)).singleElement()
                .satisfies(t -> assertThat(t.implicit()).isFalse())
                .satisfies(t -> assertThat(t.version()).startsWith("TLSv1."));
        assertThat(of(DeliveryEvent.AuthAttempt.class)).extracting(DeliveryEvent.AuthAttempt::result)
                .containsExactly("failure", "success");
        assertThat(seen.toString()).doesNotContain(SluiceHarness.PASSWORD).doesNotContain("wrong");

        assertThat(metrics.scrape().lines()).contains(
                "sluice_connections_total{listener=\"submission\",port=\"" + port + "\"} 1.0",
                "sluice_connections_active{listener=\"submission\",port=\"" + port + "\"} 0.0",
                "sluice_connections_total{listener=\"mx\",port=\"" + ports[0] + "\"} 0.0", // from ListenerStarted
                "sluice_auth_total{result=\"success\"} 1.0",
                "sluice_auth_total{result=\"failure\"} 1.0",
                "sluice_messages_received_total{listener=\"" + port + "\"} 1.0");
    }

    @Test
    void implicitTlsIsReported() throws Exception {
        try (Dialog d = Dialog.implicitTls(ports[2])) {
            d.expect();
            d.ask("QUIT");
        }
        await(DeliveryEvent.ConnectionClosed.class);
        assertThat(of(DeliveryEvent.TlsEstablished.class)).singleElement()
                .satisfies(t -> assertThat(t.implicit()).isTrue())
                .satisfies(t -> assertThat(t.mode()).isEqualTo("submissions"));
    }

    @Test
    void aSecondConnectionFromTheSameIpIsRefusedAndCounted() throws Exception {
        try (Dialog first = new Dialog(ports[0])) {
            first.expect();
            try (Dialog second = new Dialog(ports[0])) {
                assertThat(second.expect()).startsWith("421");
            }
            DeliveryEvent.ConnectionRefused r = await(DeliveryEvent.ConnectionRefused.class);
            assertThat(r.reason()).isEqualTo("max_connections_per_ip");
            assertThat(r.mode()).isEqualTo("mx");
            assertThat(metrics.scrape().lines()).contains("sluice_connections_active{listener=\"mx\",port=\""
                    + ports[0] + "\"} 1.0");
        }
        await(DeliveryEvent.ConnectionClosed.class);
        assertThat(of(DeliveryEvent.ConnectionOpened.class)).hasSize(1);
    }

    private static String plain(String password) {
        return java.util.Base64.getEncoder().encodeToString(("\0" + SluiceHarness.USER + "\0" + password)
                .getBytes(StandardCharsets.UTF_8));
    }

    private <T extends DeliveryEvent> List<T> of(Class<T> type) {
        return seen.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private <T extends DeliveryEvent> T await(Class<T> type) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            List<T> found = of(type);
            if (!found.isEmpty()) return found.get(0);
            Thread.sleep(10);
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + seen);
    }
}
