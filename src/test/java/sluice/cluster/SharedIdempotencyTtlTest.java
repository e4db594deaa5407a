package sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import sluice.config.ClusterConfig;
import sluice.send.Idempotency;
import sluice.testkit.RedisServer;

/** A claim without an answer lapses in minutes (its node may have died); an answer is kept the full 24 hours. */
class SharedIdempotencyTtlTest {
    @Test
    void aClaimLapsesSoonAndAnAnswerLastsADay() throws Exception {
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        try (RedisServer redis = RedisServer.start();
             Cluster c = Cluster.start(new ClusterConfig(redis.url(), List.of(), "", null, null, null, false,
                     Duration.ofSeconds(1)), "node-a", () -> 0, () -> null, Clock.systemUTC())) {
            SharedIdempotency shared = new SharedIdempotency(c);
            String record = "idempotency/abc123";
            assertThat(shared.claim(record, "pending".getBytes(StandardCharsets.UTF_8), Idempotency.TTL)).isNull();
            long pending = Long.parseLong(redis.cli("PTTL", SharedIdempotency.key(record)));
            assertThat(pending).isPositive().isLessThanOrEqualTo(SharedIdempotency.PENDING_TTL.toMillis());
            shared.store(record, "answer".getBytes(StandardCharsets.UTF_8));
            long answered = Long.parseLong(redis.cli("PTTL", SharedIdempotency.key(record)));
            assertThat(answered).isGreaterThan(Idempotency.TTL.toMillis() - 60_000);
        }
    }
}
