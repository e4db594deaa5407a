package sluice.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import sluice.config.ClusterConfig;
import sluice.config.HostPort;
import sluice.config.RedisUrl;
import sluice.delivery.ClientTls;

/**
 * The node's connection to Redis (one server, or a Redis Cluster through its seeds): a small pool of blocking
 * connections with millisecond timeouts. Every call goes through {@link #call}, which counts it (docs/benchmarks.md's
 * "Redis calls per message" comes from {@link #calls()}), turns any failure into {@link RedisUnavailable} and tells
 * {@link ClusterHealth}, so the node notices an unreachable Redis once, wherever it happened.
 */
public final class RedisLink implements AutoCloseable {
    private final UnifiedJedis jedis;
    private final boolean clustered;
    private final String description;
    private final ClusterHealth health;
    private final LongAdder calls = new LongAdder();
    private final LongAdder failures = new LongAdder();

    private RedisLink(UnifiedJedis jedis, boolean clustered, String description, ClusterHealth health) {
        this.jedis = jedis;
        this.clustered = clustered;
        this.description = description;
        this.health = health;
    }

    /**
     * Opens the pool (no connection is made yet: a Redis that is down at start-up is a degraded start, not a
     * failure to start).
     *
     * @throws IOException when the password file or CA file cannot be read (the operator's to fix)
     */
    public static RedisLink open(ClusterConfig config, String clientName, ClusterHealth health) throws IOException {
        int timeout = (int) Math.max(1, config.timeout().toMillis());
        DefaultJedisClientConfig.Builder client = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeout).socketTimeoutMillis(timeout).clientName(clientName);
        String password = null;
        String user = null;
        boolean tls = config.tls();
        int database = 0;
        RedisUrl url = config.redis().isEmpty() ? null : RedisUrl.parse(config.redis());
        if (url != null) {
            tls = url.tls();
            user = url.user();
            password = url.password();
            database = url.database();
        }
        if (config.passwordFile() != null) {
            List<String> lines = Files.readAllLines(config.passwordFile());
            if (lines.isEmpty() || lines.get(0).isEmpty()) throw new IOException(config.passwordFile() + ": no password in the first line");
            password = lines.get(0);
        }
        if (password != null) client.password(password);
        if (user != null) client.user(user);
        if (database != 0) client.database(database);
        if (tls) {
            SSLContext ctx = ClientTls.verifying(config.caFile());
            var params = ctx.getDefaultSSLParameters();
            params.setProtocols(new String[]{"TLSv1.3", "TLSv1.2"});
            params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the IP Redis is reached at
            client.ssl(true).sslSocketFactory(ctx.getSocketFactory()).sslParameters(params);
        }
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(16);
        pool.setMaxIdle(16);
        pool.setMinIdle(0);
        pool.setMaxWait(java.time.Duration.ofMillis(timeout)); // a busy pool is as good as a slow Redis
        pool.setBlockWhenExhausted(true);
        pool.setTestOnBorrow(false);
        if (url != null) {
            UnifiedJedis j = RedisClient.builder().hostAndPort(url.host(), url.port()).clientConfig(client.build())
                    .poolConfig(pool).build();
            return new RedisLink(j, false, url.toString(), health);
        }
        Set<HostAndPort> seeds = new HashSet<>();
        for (HostPort hp : config.redisCluster()) seeds.add(new HostAndPort(hp.host(), hp.port()));
        UnifiedJedis j = RedisClusterClient.builder().nodes(seeds).clientConfig(client.build()).poolConfig(pool)
                .maxAttempts(2).maxTotalRetriesDuration(java.time.Duration.ofMillis(3L * timeout)).build();
        return new RedisLink(j, true, "Redis Cluster " + config.redisCluster().stream().map(h -> h.host() + ":" + h.port())
                .toList(), health);
    }

    /** Runs one command (or pipeline) against Redis; any failure is reported to the node's health and thrown. */
    public <T> T call(Function<UnifiedJedis, T> command) throws RedisUnavailable {
        calls.increment();
        try {
            T result = command.apply(jedis);
            health.answered();
            return result;
        } catch (redis.clients.jedis.exceptions.JedisAccessControlException e) {
            // a wrong or missing password: nothing shared can work, exactly as if Redis were down
            failures.increment();
            health.failed("Redis refused the credentials: " + e.getMessage());
            throw new RedisUnavailable("Redis refused the credentials: " + e.getMessage(), e);
        } catch (JedisDataException e) {
            // Redis answered, with an error (a script bug, a wrong type): Redis is up; the caller's problem
            health.answered();
            throw new RedisUnavailable("Redis refused: " + e.getMessage(), e);
        } catch (JedisException e) {
            failures.increment();
            health.failed(describe(e));
            throw new RedisUnavailable(describe(e), e);
        }
    }

    /** Runs {@code script} by its SHA-1, loading it first where the server does not know it. */
    public Object eval(Script script, List<String> keys, List<String> args) throws RedisUnavailable {
        return call(j -> {
            try {
                return j.evalsha(script.sha1(), keys, args);
            } catch (JedisNoScriptException e) {
                calls.increment();
                return j.eval(script.text(), keys, args);
            }
        });
    }

    /** Calls made since start (each a round trip, a pipeline counted once). */
    public long calls() {
        return calls.sum();
    }

    public long failures() {
        return failures.sum();
    }

    public boolean clustered() {
        return clustered;
    }

    /** "redis://IP:PORT" or "Redis Cluster [seeds]", never with a password. */
    public String description() {
        return description;
    }

    /** One line without exception class names, e.g. "connection refused (127.0.0.1:6379)". */
    static String describe(Throwable e) {
        Throwable t = e;
        String text = null;
        while (t != null) {
            if (t.getMessage() != null) text = t.getMessage();
            if (t instanceof java.net.SocketTimeoutException) return "timed out" + (text == null ? "" : " (" + text + ")");
            if (t instanceof java.net.ConnectException) return "connection refused" + (text == null ? "" : " (" + text + ")");
            t = t.getCause() == t ? null : t.getCause();
        }
        return text == null ? "no answer" : text.replaceAll("[\\r\\n]+", " ");
    }

    @Override
    public void close() {
        jedis.close();
    }
}
