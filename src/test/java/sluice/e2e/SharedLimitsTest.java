package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sluice.testkit.Dialog;
import sluice.testkit.RedisServer;
import sluice.testkit.SluiceHarness;

/**
 * Two nodes on one redis-server share the per-IP limits and the AUTH lockout: a client that spreads its
 * connections over both gets the limit once, a lockout on A holds on B within a second, and with Redis gone each
 * node keeps to its share (half) until Redis is back.
 */
class SharedLimitsTest {
    private static final String RATE_REFUSED = "421 4.7.0 Connection rate limit exceeded for your address; try again later";
    private RedisServer redis;
    private SluiceHarness a;
    private SluiceHarness b;

    @BeforeEach
    void redis() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        redis = RedisServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (a != null) a.close();
        if (b != null) b.close();
        if (redis != null) redis.close();
    }

    private SluiceHarness node(String name, String extra) throws Exception {
        return SluiceHarness.start("[]", """
                [cluster]
                redis = "%s"
                node_name = "%s"
                timeout = "500ms"
                %s
                """.formatted(redis.url(), name, extra));
    }

    /** Opens a connection and returns the greeting (220, or the refusal). */
    private static String connect(SluiceHarness s) throws Exception {
        try (Dialog d = new Dialog(s.mx)) {
            return d.expect();
        }
    }

    /** The fleet's count of connections from 127.0.0.1 in this minute's window, as Redis holds it. */
    private long fleetConnections() throws Exception {
        long now = System.currentTimeMillis();
        long total = 0;
        for (long w : new long[]{now - now % 60_000, now - now % 60_000 - 60_000}) {
            String score = redis.cli("ZSCORE", "sluice:{limits}:connections_per_ip:" + w, "127.0.0.1");
            if (!score.isEmpty()) total += (long) Double.parseDouble(score);
        }
        return total;
    }

    /** Waits until both nodes have synced twice more (each has read what the other sent). */
    private void awaitSyncs() {
        long sa = a.node().sharedLimits().syncs();
        long sb = b.node().sharedLimits().syncs();
        await().atMost(Duration.ofSeconds(3)).until(() -> a.node().sharedLimits().syncs() >= sa + 2
                && b.node().sharedLimits().syncs() >= sb + 2);
    }

    @Test
    void connectionsSpreadOverTwoNodesCountTogether() throws Exception {
        a = node("node-a", "[limits]\nconnections_per_ip_per_minute = 10\n");
        b = node("node-b", "[limits]\nconnections_per_ip_per_minute = 10\n");
        long calls = a.node().cluster().redis().calls();
        long started = System.nanoTime();
        for (int i = 0; i < 5; i++) assertThat(connect(a)).startsWith("220 ");
        await().atMost(Duration.ofSeconds(2)).until(() -> fleetConnections() == 5);
        awaitSyncs();
        for (int i = 0; i < 5; i++) assertThat(connect(b)).startsWith("220 ");
        await().atMost(Duration.ofSeconds(2)).until(() -> fleetConnections() == 10);
        awaitSyncs();
        // each node alone has seen 5 of its limit of 10: only the fleet's count refuses the 11th, anywhere
        assertThat(connect(a)).isEqualTo(RATE_REFUSED);
        assertThat(connect(b)).isEqualTo(RATE_REFUSED);
        assertThat(fleetConnections()).isEqualTo(10);
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("node-a: %d Redis calls in %.1f s for 6 connections (heartbeat + limits sync)%n",
                a.node().cluster().redis().calls() - calls, seconds);
    }

    @Test
    void aLockoutOnAHoldsOnBWithinASecond() throws Exception {
        a = node("node-a", "");
        b = node("node-b", "");
        String bad = plain("wrong");
        String good = plain(SluiceHarness.PASSWORD);
        try (Dialog d = Dialog.startTls(a.submission)) {
            for (int i = 0; i < 5; i++) assertThat(d.ask("AUTH PLAIN " + bad)).startsWith("535 5.7.8");
            assertThat(d.ask("AUTH PLAIN " + good)).startsWith("454 4.7.0");
        }
        long lockedAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).until(() -> {
            try (Dialog d = Dialog.startTls(b.submission)) {
                return d.ask("AUTH PLAIN " + good).startsWith("454 4.7.0");
            }
        });
        long millis = (System.nanoTime() - lockedAt) / 1_000_000;
        System.out.println("lockout on node-a refused on node-b after " + millis + " ms");
        // and it stays refused there
        try (Dialog d = Dialog.startTls(b.submission)) {
            assertThat(d.ask("AUTH PLAIN " + good)).startsWith("454 4.7.0");
        }
    }

    @Test
    void failuresSpreadOverTwoNodesLockTogether() throws Exception {
        a = node("node-a", "");
        b = node("node-b", "");
        String bad = plain("wrong");
        try (Dialog d = Dialog.startTls(a.submission)) {
            for (int i = 0; i < 3; i++) assertThat(d.ask("AUTH PLAIN " + bad)).startsWith("535 5.7.8");
        }
        awaitSyncs();
        try (Dialog d = Dialog.startTls(b.submission)) {
            // B has seen 2 of the 5 failures itself: the fleet's 5th locks the client out
            for (int i = 0; i < 2; i++) assertThat(d.ask("AUTH PLAIN " + bad)).startsWith("535 5.7.8");
            assertThat(d.ask("AUTH PLAIN " + plain(SluiceHarness.PASSWORD))).startsWith("454 4.7.0");
        }
    }

    @Test
    void withRedisGoneEachNodeKeepsToItsShareAndSharesAgainWhenItIsBack() throws Exception {
        a = node("node-a", "[limits]\nconnections_per_ip_per_minute = 10\n");
        b = node("node-b", "[limits]\nconnections_per_ip_per_minute = 10\n");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.node().cluster().membership().alive() == 2
                && b.node().cluster().membership().alive() == 2);
        redis.kill();
        await().atMost(Duration.ofSeconds(5)).until(() -> a.node().cluster().health().degraded()
                && b.node().cluster().health().degraded());
        // a share of 1/2 of 10 each: 5 on A, 5 on B, and no more on either
        for (int i = 0; i < 5; i++) assertThat(connect(a)).as("connection %d to A", i + 1).startsWith("220 ");
        assertThat(connect(a)).isEqualTo(RATE_REFUSED);
        for (int i = 0; i < 5; i++) assertThat(connect(b)).as("connection %d to B", i + 1).startsWith("220 ");
        assertThat(connect(b)).isEqualTo(RATE_REFUSED);

        redis.restart();
        await().atMost(Duration.ofSeconds(10)).until(() -> a.node().cluster().health().shared()
                && b.node().cluster().health().shared());
        // what each counted alone reaches the restarted Redis, and each node sees the fleet's 10
        await().atMost(Duration.ofSeconds(3)).until(() -> fleetConnections() == 10);
        awaitSyncs();
        assertThat(connect(a)).isEqualTo(RATE_REFUSED);
        assertThat(connect(b)).isEqualTo(RATE_REFUSED);
    }

    private static String plain(String password) {
        return Base64.getEncoder().encodeToString(("\0" + SluiceHarness.USER + "\0" + password)
                .getBytes(StandardCharsets.UTF_8));
    }
}
