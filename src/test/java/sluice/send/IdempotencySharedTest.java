package sluice.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.spool.Spool;
import sluice.testkit.MutableClock;

/**
 * Two nodes' Idempotency over one shared store (an in-memory stand-in for Redis with its SET NX semantics): a key
 * answered by one node is replayed by the other, another request with it is a 422, a running one a 409; an
 * abandoned key is free again everywhere; an unreachable store leaves each node with its own records.
 */
class IdempotencySharedTest {
    @TempDir Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));

    /** SET NX GET / SET XX / DEL, or unreachable. */
    private static final class Store implements Idempotency.Shared {
        final Map<String, byte[]> records = new ConcurrentHashMap<>();
        volatile boolean down;

        public byte[] claim(String recordKey, byte[] pending, Duration ttl) throws Idempotency.Unavailable {
            check();
            return records.putIfAbsent(recordKey, pending);
        }

        public void store(String recordKey, byte[] record) throws Idempotency.Unavailable {
            check();
            records.computeIfPresent(recordKey, (k, v) -> record);
        }

        public void forget(String recordKey) throws Idempotency.Unavailable {
            check();
            records.remove(recordKey);
        }

        private void check() throws Idempotency.Unavailable {
            if (down) throw new Idempotency.Unavailable("connection refused", null);
        }
    }

    private static String h(String s) {
        return Idempotency.requestHash(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aKeyAnsweredOnOneNodeIsReplayedOnTheOther() throws Exception {
        Store store = new Store();
        try (Spool spoolA = Spool.open(dir.resolve("a"), 0); Spool spoolB = Spool.open(dir.resolve("b"), 0)) {
            Idempotency a = new Idempotency(spoolA, clock, 100, store);
            Idempotency b = new Idempotency(spoolB, clock, 100, store);
            var fresh = (Idempotency.Claim.Fresh) a.claim("alice", "k1", h("body"));
            assertThat(fresh.shared()).isTrue();
            // still running on A
            assertThat(b.claim("alice", "k1", h("body"))).isInstanceOfSatisfying(Idempotency.Claim.Conflict.class, c -> {
                assertThat(c.status()).isEqualTo(409);
                assertThat(c.error()).contains("another node");
            });
            a.finish(fresh, 202, "{\"id\":\"Q1\"}".getBytes(StandardCharsets.UTF_8));
            assertThat(b.claim("alice", "k1", h("body"))).isInstanceOfSatisfying(Idempotency.Claim.Replay.class, r ->
                    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"Q1\"}"));
            assertThat(b.claim("alice", "k1", h("other"))).isInstanceOfSatisfying(Idempotency.Claim.Conflict.class,
                    c -> assertThat(c.status()).isEqualTo(422));
            assertThat(b.claim("bob", "k1", h("body"))).isInstanceOf(Idempotency.Claim.Fresh.class); // keys are per user

            // a request refused for a passing reason frees the key on every node
            var second = (Idempotency.Claim.Fresh) a.claim("alice", "k2", h("body"));
            a.abandon(second);
            assertThat(b.claim("alice", "k2", h("body"))).isInstanceOf(Idempotency.Claim.Fresh.class);
        }
    }

    @Test
    void withTheStoreDownEachNodeKeepsToItsOwnRecords() throws Exception {
        Store store = new Store();
        try (Spool spoolA = Spool.open(dir.resolve("a"), 0); Spool spoolB = Spool.open(dir.resolve("b"), 0)) {
            Idempotency a = new Idempotency(spoolA, clock, 100, store);
            Idempotency b = new Idempotency(spoolB, clock, 100, store);
            store.down = true;
            var fresh = (Idempotency.Claim.Fresh) a.claim("alice", "k1", h("body"));
            assertThat(fresh.shared()).isFalse();
            a.finish(fresh, 202, "{}".getBytes(StandardCharsets.UTF_8));
            assertThat(a.claim("alice", "k1", h("body"))).isInstanceOf(Idempotency.Claim.Replay.class);
            assertThat(b.claim("alice", "k1", h("body"))).isInstanceOf(Idempotency.Claim.Fresh.class); // per node meanwhile
            store.down = false;
            assertThat(store.records).isEmpty();
        }
    }
}
