package sluice.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster of {@code masters} masters (and {@code replicasEach} replicas per master) of redis-server on
 * loopback, created with {@code redis-cli --cluster create} (PEERS.md's recipe): fresh directories every time,
 * every port and its port + 10000 free, and ready once every node says {@code cluster_state:ok}.
 */
public final class RedisCluster implements AutoCloseable {
    private final List<RedisServer> nodes;
    private final int masters;

    private RedisCluster(List<RedisServer> nodes, int masters) {
        this.nodes = nodes;
        this.masters = masters;
    }

    public static RedisCluster start(int masters, int replicasEach) throws IOException, InterruptedException {
        List<RedisServer> nodes = new ArrayList<>();
        try {
            int count = masters * (1 + replicasEach);
            for (int i = 0; i < count; i++) {
                nodes.add(RedisServer.start(clusterPort(), List.of("--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
                        "--cluster-replica-validity-factor", "0", "--appendonly", "no")));
            }
            List<String> cmd = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            for (RedisServer n : nodes) cmd.add("127.0.0.1:" + n.port());
            cmd.addAll(List.of("--cluster-replicas", Integer.toString(replicasEach), "--cluster-yes"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("redis-cli --cluster create failed: " + out);
            }
            RedisCluster c = new RedisCluster(nodes, masters);
            c.awaitOk(nodes);
            return c;
        } catch (IOException | InterruptedException | RuntimeException e) {
            for (RedisServer n : nodes) n.close();
            throw e;
        }
    }

    /** Waits (bounded) until every node that runs says cluster_state:ok. */
    public void awaitOk(List<RedisServer> which) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            boolean ok = true;
            for (RedisServer n : which) {
                if (n.alive() && !n.cli("CLUSTER", "INFO").contains("cluster_state:ok")) ok = false;
            }
            if (ok) return;
            if (System.nanoTime() > deadline) throw new IOException("the Redis Cluster did not reach cluster_state:ok");
            Thread.sleep(100);
        }
    }

    /** A free port whose cluster bus port (+10000) is free too. */
    private static int clusterPort() throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = FreePorts.next();
            if (port + 10000 > 65535) continue;
            try (ServerSocket bus = new ServerSocket(port + 10000, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port pair for a Redis Cluster node");
    }

    public List<RedisServer> nodes() {
        return nodes;
    }

    /** The nodes that are masters now (asked of a live node). */
    public List<RedisServer> masters() throws IOException, InterruptedException {
        List<RedisServer> out = new ArrayList<>();
        for (RedisServer n : nodes) {
            if (n.alive() && n.cli("ROLE").startsWith("master")) out.add(n);
        }
        return out;
    }

    /** The seed list for {@code [cluster] redis_cluster}. */
    public List<String> seeds() {
        return nodes.stream().map(n -> "127.0.0.1:" + n.port()).toList();
    }

    public int masterCount() {
        return masters;
    }

    @Override
    public void close() throws InterruptedException {
        for (RedisServer n : nodes) n.close();
    }
}
