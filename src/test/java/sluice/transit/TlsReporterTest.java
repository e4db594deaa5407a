package sluice.transit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import sluice.dns.TxtAnswer;
import sluice.testkit.MutableClock;

/** When reports go out, where, and what happens when sending fails; the day boundary on a {@link MutableClock}. */
class TlsReporterTest {
    static final List<String> STS = TlsReportTest.STS;

    final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));
    final MemoryStore store = new MemoryStore();
    final Map<String, TxtAnswer> dns = new HashMap<>();
    final List<Mail> mails = new ArrayList<>();
    final List<Post> posts = new ArrayList<>();
    final AtomicInteger failPosts = new AtomicInteger();
    /** The longest jitter every time: the worst case for "not before". */
    final RandomGenerator random = new RandomGenerator() {
        public long nextLong() {
            return 0x5eed;
        }

        public long nextLong(long bound) {
            return bound - 1;
        }
    };
    final TlsReporter.Settings settings = new TlsReporter.Settings("mx.sluice.test", Duration.ofMinutes(10),
            Duration.ofMinutes(30), 3, Duration.ofMinutes(1));

    record Mail(String to, String messageId, String message) {}

    record Post(URI url, byte[] gzip) {}

    TlsReportBook book;
    TlsReporter reporter;

    void start() throws IOException {
        book = TlsReportBook.open(store, clock, TlsReportBook.Limits.defaults());
        reporter = new TlsReporter(book, name -> dns.getOrDefault(name, new TxtAnswer.NoRecords()),
                (to, id, message) -> mails.add(new Mail(to, id, new String(message, StandardCharsets.US_ASCII))),
                (url, gzip) -> {
                    if (failPosts.getAndDecrement() > 0) throw new IOException(url + " answered HTTP 503");
                    posts.add(new Post(url, gzip));
                }, settings, clock, random);
    }

    void at(String instant) {
        clock.advance(Duration.between(clock.instant(), Instant.parse(instant)));
    }

    @Test
    void aDaysReportGoesToEveryRuaOnceTheDayAndTheJitterHavePassed() throws Exception {
        dns.put("_smtp._tls.example.test", new TxtAnswer.Records(List.of(
                "v=TLSRPTv1; rua=mailto:tlsrpt@reports.test,https://reports.test/v1/tlsrpt")));
        start();
        for (int i = 0; i < 7; i++) book.record(TlsReportTest.ok("example.test", "sts", STS, "mx1.example.test"));
        at("2026-12-06T23:59:59Z");
        book.record(TlsReportTest.ok("example.test", "sts", STS, "mx1.example.test"));
        reporter.tick();
        at("2026-12-07T00:09:59Z"); // the day is over, the jitter (10 minutes at most, here all of it) is not
        book.record(TlsReportTest.ok("example.test", "sts", STS, "mx1.example.test")); // the new day's
        reporter.tick();
        assertThat(mails).isEmpty();
        assertThat(posts).isEmpty();

        at("2026-12-07T00:10:00Z");
        reporter.tick();
        assertThat(mails).hasSize(1);
        assertThat(posts).hasSize(1);
        assertThat(mails.getFirst().to()).isEqualTo("tlsrpt@reports.test");
        assertThat(posts.getFirst().url()).isEqualTo(URI.create("https://reports.test/v1/tlsrpt"));
        JsonNode posted = new ObjectMapper().readTree(TlsReportTest.gunzip(posts.getFirst().gzip()));
        assertThat(posted.path("date-range").path("start-datetime").asText()).isEqualTo("2026-12-06T00:00:00Z");
        assertThat(posted.path("policies").get(0).path("summary").path("total-successful-session-count").asLong())
                .isEqualTo(8);
        // one report, one id, wherever it goes
        assertThat(mails.getFirst().message()).contains("Report-ID: <" + posted.path("report-id").asText() + ">");
        assertThat(reporter.sent()).isEqualTo(2);

        // sent once: the day is forgotten, the new day is kept for tomorrow
        reporter.tick();
        assertThat(mails).hasSize(1);
        assertThat(book.keys()).containsExactly(new TlsReportBook.Key(TlsReportTest.DAY.plusDays(1), "example.test"));
        assertThat(store.entries.keySet()).containsExactly("tlsrpt/2026-12-07/example.test");
    }

    @Test
    void aDomainWithoutARecordGetsNoReportAndIsForgotten() throws Exception {
        dns.put("_smtp._tls.example.test", new TxtAnswer.Records(List.of("v=spf1 -all")));
        start();
        book.record(TlsReportTest.ok("example.test", "sts", STS, "mx1.example.test"));
        book.record(TlsReportTest.ok("nxdomain.test", "no-policy-found", List.of(), "mx.nxdomain.test"));
        dns.put("_smtp._tls.nxdomain.test", new TxtAnswer.NoSuchDomain("NXDOMAIN"));
        at("2026-12-07T01:00:00Z");
        reporter.tick();
        assertThat(mails).isEmpty();
        assertThat(posts).isEmpty();
        assertThat(book.keys()).isEmpty();
        assertThat(store.entries).isEmpty();
    }

    @Test
    void aFailedPostIsTriedAgainLaterAndOnlyWhereItFailed() throws Exception {
        dns.put("_smtp._tls.example.test", new TxtAnswer.Records(List.of(
                "v=TLSRPTv1; rua=mailto:tlsrpt@reports.test,https://reports.test/v1/tlsrpt")));
        start();
        book.record(TlsReportTest.ok("example.test", "sts", STS, "mx1.example.test"));
        failPosts.set(1);
        at("2026-12-07T01:00:00Z");
        reporter.tick();
        assertThat(mails).hasSize(1);
        assertThat(posts).isEmpty();
        assertThat(reporter.failed()).isEqualTo(1);

        at("2026-12-07T01:29:59Z"); // the retry delay (30 minutes after the first attempt) has not passed
        reporter.tick();
        assertThat(posts).isEmpty();
        at("2026-12-07T01:30:00Z");
        reporter.tick();
        assertThat(posts).hasSize(1);
        assertThat(mails).hasSize(1); // the mail went out the first time: not again
        assertThat(book.keys()).isEmpty();
    }

    @Test
    void afterMaxAttemptsTheReportIsGivenUp() throws Exception {
        dns.put("_smtp._tls.example.test", new TxtAnswer.Records(List.of("v=TLSRPTv1; rua=https://reports.test/x")));
        start();
        book.record(TlsReportTest.ok("example.test", "sts", STS, "mx1.example.test"));
        failPosts.set(100);
        at("2026-12-07T01:00:00Z");
        reporter.tick(); // attempt 1; next in 30 minutes
        at("2026-12-07T01:30:00Z");
        reporter.tick(); // attempt 2; next in 60 minutes
        at("2026-12-07T02:29:00Z");
        reporter.tick();
        assertThat(reporter.failed()).isEqualTo(2);
        at("2026-12-07T02:30:00Z");
        reporter.tick(); // attempt 3 of 3: given up
        assertThat(reporter.failed()).isEqualTo(3);
        assertThat(book.keys()).isEmpty();
        assertThat(store.entries).isEmpty();
        assertThat(posts).isEmpty();
    }

    @Test
    void aDnsFailureIsRetriedNotTakenForNoRecord() throws Exception {
        dns.put("_smtp._tls.example.test", new TxtAnswer.TempFail("SERVFAIL"));
        start();
        book.record(TlsReportTest.ok("example.test", "sts", STS, "mx1.example.test"));
        at("2026-12-07T01:00:00Z");
        reporter.tick();
        assertThat(book.keys()).hasSize(1);
        assertThat(reporter.failed()).isEqualTo(1);
        dns.put("_smtp._tls.example.test", new TxtAnswer.Records(List.of("v=TLSRPTv1; rua=mailto:t@reports.test")));
        at("2026-12-07T01:30:00Z");
        reporter.tick();
        assertThat(mails).extracting(Mail::to).containsExactly("t@reports.test");
    }

    @Test
    void countsSavedBeforeARestartAreReportedAfterIt() throws Exception {
        dns.put("_smtp._tls.example.test", new TxtAnswer.Records(List.of("v=TLSRPTv1; rua=mailto:t@reports.test")));
        start();
        for (int i = 0; i < 3; i++) book.record(TlsReportTest.ok("example.test", "sts", STS, "mx1.example.test"));
        reporter.close(); // a clean stop saves
        start();
        at("2026-12-07T01:00:00Z");
        reporter.tick();
        assertThat(mails).hasSize(1);
        String body = mails.getFirst().message();
        String b64 = body.substring(body.indexOf("\r\n\r\n", body.indexOf("application/tlsrpt+gzip")) + 4,
                body.lastIndexOf("\r\n--"));
        JsonNode r = new ObjectMapper().readTree(TlsReportTest.gunzip(java.util.Base64.getMimeDecoder().decode(b64)));
        assertThat(r.path("policies").get(0).path("summary").path("total-successful-session-count").asLong()).isEqualTo(3);
    }
}
