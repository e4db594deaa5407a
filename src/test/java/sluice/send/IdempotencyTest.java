package sluice.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.spool.Spool;
import sluice.testkit.MutableClock;

/** Idempotency-Key records in a real spool: replay, mismatch, one winner among concurrent requests, expiry, the cap. */
class IdempotencyTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String h(String s) {
        return Idempotency.requestHash(b(s));
    }

    @Test
    void aFinishedKeyReplaysItsAnswerAfterAReopenAndRefusesAnotherRequest() throws Exception {
        try (Spool spool = Spool.open(dir, 0)) {
            Idempotency idem = new Idempotency(spool, clock);
            Idempotency.Claim first = idem.claim("alice", "k1", h("body"));
            assertThat(first).isInstanceOf(Idempotency.Claim.Fresh.class);
            idem.finish((Idempotency.Claim.Fresh) first, 202, b("{\"id\":\"Q1\"}"));
        }
        try (Spool spool = Spool.open(dir, 0)) {
            Idempotency idem = new Idempotency(spool, clock);
            assertThat(idem.claim("alice", "k1", h("body"))).isInstanceOfSatisfying(Idempotency.Claim.Replay.class, r -> {
                assertThat(r.status()).isEqualTo(202);
                assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"Q1\"}");
            });
            assertThat(idem.claim("alice", "k1", h("other body"))).isInstanceOfSatisfying(Idempotency.Claim.Conflict.class,
                    c -> assertThat(c.status()).isEqualTo(422));
            // keys are per user
            assertThat(idem.claim("bob", "k1", h("body"))).isInstanceOf(Idempotency.Claim.Fresh.class);
        }
    }

    @Test
    void aRequestInterruptedBeforeItsAnswerWasStoredIsNeverRunAgain() throws Exception {
        try (Spool spool = Spool.open(dir, 0)) {
            assertThat(new Idempotency(spool, clock).claim("alice", "k", h("body"))).isInstanceOf(Idempotency.Claim.Fresh.class);
            // the process dies here: no finish
        }
        try (Spool spool = Spool.open(dir, 0)) {
            assertThat(new Idempotency(spool, clock).claim("alice", "k", h("body")))
                    .isInstanceOfSatisfying(Idempotency.Claim.Conflict.class, c -> {
                        assertThat(c.status()).isEqualTo(409);
                        assertThat(c.error()).contains("interrupted");
                    });
        }
    }

    @Test
    void ofConcurrentRequestsWithOneKeyExactlyOneGoesAhead() throws Exception {
        try (Spool spool = Spool.open(dir, 0); ExecutorService pool = Executors.newFixedThreadPool(16)) {
            Idempotency idem = new Idempotency(spool, clock);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Idempotency.Claim>> claims = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                claims.add(pool.submit(() -> {
                    go.await();
                    return idem.claim("alice", "same", h("body"));
                }));
            }
            go.countDown();
            int fresh = 0;
            for (Future<Idempotency.Claim> f : claims) {
                Idempotency.Claim c = f.get();
                if (c instanceof Idempotency.Claim.Fresh) fresh++;
                else assertThat(c).isInstanceOfSatisfying(Idempotency.Claim.Conflict.class, x -> assertThat(x.status()).isEqualTo(409));
            }
            assertThat(fresh).isEqualTo(1);
        }
    }

    @Test
    void recordsExpireAfter24HoursAndTheOldestGoBeyondTheCap() throws Exception {
        try (Spool spool = Spool.open(dir, 0)) {
            Idempotency idem = new Idempotency(spool, clock, 3);
            for (String k : List.of("a", "b", "c")) {
                idem.finish((Idempotency.Claim.Fresh) idem.claim("u", k, h("x")), 202, b("{}"));
                clock.advance(Duration.ofMinutes(1));
            }
            assertThat(spool.state().read("idempotency/")).hasSize(3);
            idem.finish((Idempotency.Claim.Fresh) idem.claim("u", "d", h("x")), 202, b("{}"));
            // the cap: "a" went early, so it is new again; the others replay
            assertThat(spool.state().read("idempotency/")).hasSize(3);
            assertThat(idem.claim("u", "b", h("x"))).isInstanceOf(Idempotency.Claim.Replay.class);
            clock.advance(Duration.ofHours(24));
            Idempotency.Claim again = idem.claim("u", "b", h("another body, a day later"));
            assertThat(again).isInstanceOf(Idempotency.Claim.Fresh.class);
            assertThat(spool.state().read("idempotency/")).hasSize(1); // the other day-old records are gone from disk
        }
    }
}
