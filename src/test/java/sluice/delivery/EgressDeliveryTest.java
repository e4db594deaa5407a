package sluice.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.config.Config;
import sluice.config.ConfigLoader;
import sluice.spool.Envelope;
import sluice.spool.Recipient;
import sluice.testkit.FakeSmtpServer;

/**
 * Outbound connections leave from the egress source drawn for the message: bound to its address (127.0.0.2,
 * 127.0.0.3: loopback needs no set-up) and saying its EHLO name; idle connections are kept per source.
 */
class EgressDeliveryTest {
    @TempDir
    Path dir;

    private Config config(int port, String egress) throws Exception {
        Path file = dir.resolve("sluice.toml");
        Files.writeString(file, """
                hostname = "mx.sluice.test"
                data_dir = "%s"
                [delivery]
                mx_port = %d
                connect_timeout = "3s"
                %s
                """.formatted(dir.resolve("data"), port, egress));
        return ConfigLoader.load(file, null);
    }

    private static final String TWO_SOURCES = """
            [[egress.sources]]
            name = "ip1"
            address = "127.0.0.2"
            ehlo = "out1.sluice.test"

            [[egress.sources]]
            name = "ip2"
            address = "127.0.0.3"
            ehlo = "out2.sluice.test"

            [[egress.pools]]
            name = "bulk"
            sources = ["ip1", "ip2"]
            weights = [1, 3]

            [egress]
            default_pool = "bulk"
            """;

    private static Job job(int i, String sender) {
        Envelope e = new Envelope(sender, List.of(Recipient.pending("r" + i + "@remote.test", null, null)),
                Instant.now(), 10, Map.of());
        return new Job("q" + i, e, e.recipients(), new Destination.Mx("[127.0.0.1]"));
    }

    private static final byte[] DATA = "Subject: t\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);

    @Test
    void weightedPoolSplitsRoughlyOneToThreeAndEachConnectionBindsAndGreetsAsItsSource() throws Exception {
        try (FakeSmtpServer server = FakeSmtpServer.start(s -> {})) {
            Config c = config(server.port(), TWO_SOURCES);
            Map<String, Integer> bySource = new HashMap<>();
            try (RemoteTransport remote = new RemoteTransport(null, c.delivery(), c.hostname(), Timeouts.rfc5321(),
                    Clock.systemUTC(), new EgressPools(c.egress(), new Random(42)))) {
                for (int i = 0; i < 200; i++) {
                    Outcome o = remote.deliver(job(i, "a@news.test"), DATA).getFirst();
                    assertThat(o.code()).as(o.summary()).isEqualTo(250);
                    assertThat(o.egress()).isNotNull();
                    bySource.merge(o.egress().name() + "=" + o.egress().ip(), 1, Integer::sum);
                }
            }
            // 1:3 over 200 is 50:150; the bound is loose (binomial sd ~6) but excludes an even or unweighted split.
            assertThat(bySource.keySet()).containsExactlyInAnyOrder("ip1=127.0.0.2", "ip2=127.0.0.3");
            assertThat(bySource.get("ip1=127.0.0.2")).isBetween(25, 80);
            // Every connection came from a source's address and said that source's name: a connection from
            // 127.0.0.2 never carried a message assigned to 127.0.0.3 (the pool is keyed by source too).
            assertThat(server.connections()).isGreaterThanOrEqualTo(2);
            for (int n = 1; n <= server.connections(); n++) {
                String peer = server.peer(n);
                assertThat(peer).isIn("127.0.0.2", "127.0.0.3");
                assertThat(server.ehloName(n)).isEqualTo(peer.equals("127.0.0.2") ? "out1.sluice.test" : "out2.sluice.test");
            }
            Map<String, Integer> byPeer = new HashMap<>();
            for (FakeSmtpServer.Received m : server.messages()) byPeer.merge(server.peer(m.connection()), 1, Integer::sum);
            assertThat(byPeer).isEqualTo(Map.of("127.0.0.2", bySource.get("ip1=127.0.0.2"),
                    "127.0.0.3", bySource.get("ip2=127.0.0.3")));
        }
    }

    @Test
    void senderDomainPicksItsPoolAndNoPoolLeavesTheSystemToChoose() throws Exception {
        String egress = TWO_SOURCES.replace("default_pool = \"bulk\"", "") + """
                pool_by_sender_domain = { "news.test" = "only2" }
                [[egress.pools]]
                name = "only2"
                sources = ["ip2"]
                """;
        // TOML: the [[egress.pools]] after [egress] belongs to the same egress table.
        try (FakeSmtpServer server = FakeSmtpServer.start(s -> {})) {
            Config c = config(server.port(), egress);
            try (RemoteTransport remote = new RemoteTransport(null, c.delivery(), c.hostname(), Timeouts.rfc5321(),
                    Clock.systemUTC(), new EgressPools(c.egress(), new Random(1)))) {
                Outcome fromNews = remote.deliver(job(1, "a@NEWS.test"), DATA).getFirst();
                assertThat(fromNews.egress().name()).isEqualTo("ip2");
                Outcome other = remote.deliver(job(2, "a@other.test"), DATA).getFirst();
                assertThat(other.code()).isEqualTo(250);
                assertThat(other.egress()).isNull();
            }
            assertThat(server.peer(1)).isEqualTo("127.0.0.3");
            assertThat(server.ehloName(1)).isEqualTo("out2.sluice.test");
            assertThat(server.peer(2)).isEqualTo("127.0.0.1");
            assertThat(server.ehloName(2)).isEqualTo("mx.sluice.test");
        }
    }
}
