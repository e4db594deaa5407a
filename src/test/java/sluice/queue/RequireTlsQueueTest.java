package sluice.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import java.time.Instant;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import sluice.delivery.Job;
import sluice.delivery.Outcome;
import sluice.delivery.Router;
import sluice.delivery.Transport;
import sluice.observe.DeliveryLog;
import sluice.testkit.MutableClock;
import sluice.spool.Envelope;
import sluice.spool.QueuedMessage;
import sluice.spool.Recipient;
import sluice.spool.Spool;
import sluice.spool.TlsRequest;

/** REQUIRETLS and TLS-Required: No through the one door, the spool (across a restart) and the DSN. */
class RequireTlsQueueTest {
    @TempDir
    Path dir;

    static final byte[] WITH_NO = "From: a@far.test\r\nTLS-Required: No\r\nSubject: s\r\n\r\nsecret body\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    static final byte[] PLAIN = "From: a@far.test\r\nSubject: s\r\n\r\nsecret body\r\n".getBytes(StandardCharsets.US_ASCII);

    static Envelope envelope(TlsRequest asked, String ret) {
        return new Envelope("a@far.test", List.of(Recipient.pending("b@near.test", null, null)), Clock.systemUTC().instant(),
                PLAIN.length, ret == null ? Map.of() : Map.of("ret", ret)).withTlsRequest(asked);
    }

    @ParameterizedTest(name = "asked {0}, TLS-Required: No {1} -> {2}")
    @CsvSource({
            "DEFAULT,  false, DEFAULT",
            "DEFAULT,  true,  OPTIONAL",
            "REQUIRED, false, REQUIRED",
            "REQUIRED, true,  REQUIRED", // RFC 8689 4.2.2: the header is ignored with REQUIRETLS
    })
    void theDoorDecidesOnceAndTheSpoolKeepsItAcrossARestart(TlsRequest asked, boolean header, TlsRequest stored)
            throws Exception {
        String id;
        try (Spool spool = Spool.open(dir, 0)) {
            Ingest ingest = new Ingest(spool, e -> {}, Clock.systemUTC());
            id = ingest.newId();
            ingest.accept(id, envelope(asked, null), header ? WITH_NO : PLAIN);
        }
        try (Spool reopened = Spool.open(dir, 0)) {
            Envelope e = reopened.find(id).orElseThrow().envelope();
            assertThat(e.tlsRequest()).isEqualTo(stored);
            assertThat(e.requireTls()).isEqualTo(stored == TlsRequest.REQUIRED);
            assertThat(e.tlsOptional()).isEqualTo(stored == TlsRequest.OPTIONAL);
        }
    }

    @ParameterizedTest(name = "RET={0}, REQUIRETLS {1}")
    @CsvSource({"FULL, true", "FULL, false", ", true"})
    void aBounceOfARequireTlsMessageReturnsHeadersOnlyAndTravelsWithRequireTls(String ret, boolean requireTls)
            throws Exception {
        try (Spool spool = Spool.open(dir, 0)) {
            Ingest ingest = new Ingest(spool, e -> {}, Clock.systemUTC());
            String id = ingest.newId();
            ingest.accept(id, envelope(requireTls ? TlsRequest.REQUIRED : TlsRequest.DEFAULT, ret), PLAIN);
            QueuedMessage m = spool.find(id).orElseThrow();
            Outcome failed = new Outcome("b@near.test", Outcome.resultOf(550), 550, "5.7.30",
                    "REQUIRETLS not supported by the next hop", "mx.near.test", "192.0.2.1", 25, "TLSv1.3", 5);
            new DsnNotices(spool, ingest, "mx.sluice.test", Duration.ofDays(5), Clock.systemUTC())
                    .send(m, List.of(new Notices.Notice(m.envelope().recipients().get(0), Notices.Kind.FAILED, failed)));
            QueuedMessage dsn = spool.list().stream().filter(q -> !q.id().equals(id)).findFirst().orElseThrow();
            String text = new String(spool.readData(dsn.id()).orElseThrow(), StandardCharsets.UTF_8);
            assertThat(dsn.envelope().sender()).isEmpty();
            assertThat(dsn.envelope().requireTls()).isEqualTo(requireTls);
            assertThat(text).contains("Status: 5.7.30");
            if (requireTls) {
                assertThat(text).contains("text/rfc822-headers").contains("Subject: s").doesNotContain("secret body")
                        .contains("REQUIRETLS");
            } else {
                assertThat(text).contains("message/rfc822").contains("secret body");
            }
        }
    }

    @Test
    void aDeferralKeepsTheFactAndThePool() throws Exception {
        // Settlement rewrites the envelope after each attempt; it once kept only recipients and attributes.
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
        List<String> seen = new CopyOnWriteArrayList<>();
        Transport transport = (Job job, byte[] data) -> {
            seen.add(job.envelope().tlsRequest() + "/" + job.envelope().pool());
            return job.recipients().stream().map(r -> new Outcome(r.address(), Outcome.resultOf(451), 451, "4.7.30",
                    "REQUIRETLS not supported by the next hop", "mx.near.test", "192.0.2.1", 25, "TLSv1.3", 3)).toList();
        };
        try (Spool spool = Spool.open(dir.resolve("spool"), 0); DeliveryLog log = DeliveryLog.open(dir.resolve("d.jsonl"))) {
            Scheduler scheduler = new Scheduler(spool, new Router(List.of(), List.of()), transport,
                    new RetryPolicy(List.of(Duration.ofMinutes(5)), Duration.ofHours(1), Duration.ofMinutes(20)),
                    Notices.NONE, log, clock, new Scheduler.Settings(2, 100));
            scheduler.start();
            try {
                String id = spool.newId();
                spool.commit(id, envelope(TlsRequest.REQUIRED, null).withPool("bulk"), PLAIN);
                scheduler.enqueue(id);
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 1 && scheduler.active() == 0
                        && spool.find(id).orElseThrow().state().attempts() == 1);
                assertThat(spool.find(id).orElseThrow().envelope().requireTls()).isTrue();
                assertThat(spool.find(id).orElseThrow().envelope().pool()).isEqualTo("bulk");
                // the operator sees it in the queue's detail (sluice queue show, GET /api/v1/queue/{id})
                assertThat(sluice.queue.QueueView.detail(spool.find(id).orElseThrow(), clock.instant()))
                        .containsEntry("require_tls", true).doesNotContainKey("tls_required");
                clock.advance(Duration.ofMinutes(6));
                scheduler.wake();
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2);
                assertThat(seen).containsExactly("REQUIRED/bulk", "REQUIRED/bulk");
            } finally {
                scheduler.close();
            }
        }
    }
}
