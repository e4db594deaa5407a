package sluice.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import sluice.testkit.FakeSmtpServer;

/** The idle-connection pool drops a destination's entry with its last connection: keys are remote hosts. */
class ConnectionPoolTest {
    @Test
    void destinationsWithNoIdleConnectionLeaveThePool() throws Exception {
        ClientSettings settings = ClientSettings.plain("client.test")
                .withTimeouts(Duration.ofSeconds(3), Timeouts.uniform(Duration.ofSeconds(5)));
        try (var server = FakeSmtpServer.start(s -> {});
                var pool = new ConnectionPool(Duration.ofSeconds(5), 100)) {
            for (int i = 0; i < 20; i++) {
                pool.put("mx" + i + ".example.test|25", SmtpClient.open(server.address(), settings), 1);
            }
            // Taken and given back, like a delivery: its entry must not outlive it either.
            ConnectionPool.Taken t = pool.take("mx0.example.test|25");
            assertThat(t).isNotNull();
            pool.put("mx0.example.test|25", t.client(), t.uses() + 1);
            assertThat(pool.keys()).isEqualTo(20);

            pool.reapOnce(System.nanoTime() + Duration.ofSeconds(6).toNanos());
            assertThat(pool.keys()).isZero();
        }
    }

    @Test
    void manyDestinationsTakenEmptyLeaveNothingBehind() throws Exception {
        ClientSettings settings = ClientSettings.plain("client.test")
                .withTimeouts(Duration.ofSeconds(3), Timeouts.uniform(Duration.ofSeconds(5)));
        try (var server = FakeSmtpServer.start(s -> {});
                var pool = new ConnectionPool(Duration.ofSeconds(5), 1_000_000)) {
            SmtpClient client = SmtpClient.open(server.address(), settings);
            for (int i = 0; i < 100_000; i++) { // one connection handed from destination to destination
                String key = "mx" + i + ".example.test|25";
                pool.put(key, client, 1);
                assertThat(pool.take(key).client()).isSameAs(client);
            }
            pool.reapOnce(System.nanoTime());
            assertThat(pool.keys()).isZero();
            client.close();
        }
    }

    @Test
    void aGroupKeepsNoMoreConnectionsIdleThanItsLimitLeavesAcrossAllItsHosts() throws Exception {
        ClientSettings settings = ClientSettings.plain("client.test")
                .withTimeouts(Duration.ofSeconds(3), Timeouts.uniform(Duration.ofSeconds(5)));
        try (var server = FakeSmtpServer.start(s -> {});
                var pool = new ConnectionPool(Duration.ofSeconds(5), 100)) {
            java.util.concurrent.atomic.AtomicInteger inUse = new java.util.concurrent.atomic.AtomicInteger(1);
            var limit = new ConnectionPool.GroupLimit("group:google|ip1", 3, inUse::get);
            java.util.List<SmtpClient> clients = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) clients.add(SmtpClient.open(server.address(), settings));
            // five hosts (different addresses) of one group: three kept, the others closed
            for (int i = 0; i < 5; i++) pool.put("group:google|10.0.0." + i + "|25|ip1", clients.get(i), 1, 0, limit);
            assertThat(clients).filteredOn(SmtpClient::reusable).hasSize(3);
            // with two more attempts of the group in progress, a connection given back is closed
            inUse.set(3);
            ConnectionPool.Taken t = pool.take("group:google|10.0.0.0|25|ip1");
            assertThat(t).isNotNull();
            pool.put("group:google|10.0.0.0|25|ip1", t.client(), 2, 0, limit);
            assertThat(t.client().reusable()).isFalse();
            // and once they are done, one may be kept again
            inUse.set(1);
            SmtpClient again = SmtpClient.open(server.address(), settings);
            pool.put("group:google|10.0.0.9|25|ip1", again, 1, 0, limit);
            assertThat(again.reusable()).isTrue();
        }
    }
}
