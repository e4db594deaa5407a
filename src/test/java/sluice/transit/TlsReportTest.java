package sluice.transit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import sluice.testkit.MutableClock;
import sluice.testkit.Peer;

/** The counts behind a report and the report itself: RFC 8460 4.4's structure, exact counts, gzip, restart, days. */
class TlsReportTest {
    static final LocalDate DAY = LocalDate.parse("2026-12-06");
    static final List<String> STS = List.of("version: STSv1", "mode: enforce", "mx: mx1.example.test",
            "mx: *.backup.example.test", "max_age: 604800");
    static final List<String> TLSA = List.of("3 1 1 aabbccdd");

    final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));
    final MemoryStore store = new MemoryStore();

    static TlsAttempt ok(String domain, String type, List<String> strings, String mx) {
        return new TlsAttempt(domain, type, strings, mx, "192.0.2.1", "198.51.100.7", null, null);
    }

    static TlsAttempt failed(String domain, String type, List<String> strings, String mx, String receivingIp,
                             ResultType why, String detail) {
        return new TlsAttempt(domain, type, strings, mx, "192.0.2.1", receivingIp, why, detail);
    }

    TlsReportBook book() throws IOException {
        return TlsReportBook.open(store, clock, TlsReportBook.Limits.defaults());
    }

    @Test
    void aReportHasRfc8460sStructureAndTheCountsRecorded() throws Exception {
        TlsReportBook book = book();
        for (int i = 0; i < 4; i++) book.record(ok("Example.TEST.", "sts", STS, "mx1.example.test"));
        book.record(failed("example.test", "sts", STS, "mx1.example.test", "198.51.100.7", ResultType.CERTIFICATE_EXPIRED,
                "certificate expired on 2026-11-30"));
        book.record(failed("example.test", "sts", STS, "mx1.example.test", "198.51.100.7", ResultType.CERTIFICATE_EXPIRED,
                "certificate expired on 2026-11-30"));
        book.record(failed("example.test", "sts", STS, "a.backup.example.test", "2001:db8::25",
                ResultType.STARTTLS_NOT_SUPPORTED, null));
        book.record(ok("example.test", "tlsa", TLSA, "mx1.example.test"));
        book.record(ok("example.test", "tlsa", TLSA, "mx1.example.test"));
        book.record(failed("example.test", "tlsa", TLSA, "mx1.example.test", "198.51.100.7", ResultType.TLSA_INVALID,
                "dane: no TLSA record matches the chain"));
        for (int i = 0; i < 4; i++) book.record(ok("other.test", "no-policy-found", List.of(), "mx.other.test"));

        assertThat(book.keys()).containsExactly(new TlsReportBook.Key(DAY, "example.test"),
                new TlsReportBook.Key(DAY, "other.test"));
        DayCounts counts = book.counts(new TlsReportBook.Key(DAY, "example.test"));
        assertThat(counts.successes()).isEqualTo(6);
        assertThat(counts.failures()).isEqualTo(4);
        TlsReport report = new TlsReport("mx.sluice.test", "mailto:postmaster@mx.sluice.test",
                "2026-12-06.0a1b@mx.sluice.test", counts);

        byte[] json = gunzip(report.gzip());
        assertThat(json).isEqualTo(report.json());
        assertRfc8460Schema(json);
        JsonNode r = new ObjectMapper().readTree(json);
        assertThat(r.path("organization-name").asText()).isEqualTo("mx.sluice.test");
        assertThat(r.path("contact-info").asText()).isEqualTo("mailto:postmaster@mx.sluice.test");
        assertThat(r.path("report-id").asText()).isEqualTo("2026-12-06.0a1b@mx.sluice.test");
        assertThat(r.path("date-range").path("start-datetime").asText()).isEqualTo("2026-12-06T00:00:00Z");
        assertThat(r.path("date-range").path("end-datetime").asText()).isEqualTo("2026-12-06T23:59:59Z");
        assertThat(r.path("policies")).hasSize(2);

        JsonNode sts = policy(r, "sts");
        assertThat(sts.path("policy").path("policy-domain").asText()).isEqualTo("example.test");
        assertThat(texts(sts.path("policy").path("policy-string"))).isEqualTo(STS);
        assertThat(texts(sts.path("policy").path("mx-host"))).containsExactly("mx1.example.test", "*.backup.example.test");
        assertThat(sts.path("summary").path("total-successful-session-count").asLong()).isEqualTo(4);
        assertThat(sts.path("summary").path("total-failure-session-count").asLong()).isEqualTo(3);
        assertThat(sts.path("failure-details")).hasSize(2);
        JsonNode expired = detail(sts, "certificate-expired");
        assertThat(expired.path("failed-session-count").asLong()).isEqualTo(2);
        assertThat(expired.path("sending-mta-ip").asText()).isEqualTo("192.0.2.1");
        assertThat(expired.path("receiving-ip").asText()).isEqualTo("198.51.100.7");
        assertThat(expired.path("receiving-mx-hostname").asText()).isEqualTo("mx1.example.test");
        assertThat(expired.path("failure-reason-code").asText()).isEqualTo("certificate expired on 2026-11-30");
        JsonNode starttls = detail(sts, "starttls-not-supported");
        assertThat(starttls.path("failed-session-count").asLong()).isEqualTo(1);
        assertThat(starttls.path("receiving-ip").asText()).isEqualTo("2001:db8::25");
        assertThat(starttls.has("failure-reason-code")).isFalse();

        JsonNode tlsa = policy(r, "tlsa");
        assertThat(texts(tlsa.path("policy").path("mx-host"))).containsExactly("mx1.example.test");
        assertThat(texts(tlsa.path("policy").path("policy-string"))).isEqualTo(TLSA);
        assertThat(tlsa.path("summary").path("total-successful-session-count").asLong()).isEqualTo(2);
        assertThat(tlsa.path("summary").path("total-failure-session-count").asLong()).isEqualTo(1);
        assertThat(detail(tlsa, "tlsa-invalid").path("failed-session-count").asLong()).isEqualTo(1);

        JsonNode other = new ObjectMapper().readTree(new TlsReport("mx.sluice.test", "mailto:p@mx.sluice.test", "x@y",
                book.counts(new TlsReportBook.Key(DAY, "other.test"))).json());
        assertRfc8460Schema(new TlsReport("mx.sluice.test", "mailto:p@mx.sluice.test", "x@y",
                book.counts(new TlsReportBook.Key(DAY, "other.test"))).json());
        JsonNode none = policy(other, "no-policy-found");
        assertThat(none.path("policy").has("policy-string")).isFalse();
        assertThat(none.path("summary").path("total-successful-session-count").asLong()).isEqualTo(4);
        assertThat(none.has("failure-details")).isFalse();
    }

    @Test
    void theFileNameFollowsRfc8460() {
        TlsReport report = new TlsReport("mx.sluice.test", "c", "2026-12-06.0a1b@mx.sluice.test",
                new DayCounts(DAY, "example.test", List.of()));
        // sender "!" policy-domain "!" begin-timestamp "!" end-timestamp "!" unique-id "." extension
        assertThat(report.fileName("mx.sluice.test"))
                .isEqualTo("mx.sluice.test!example.test!1796515200!1796601599!202612060a1b.json.gz");
        assertThat(Instant.ofEpochSecond(1796515200L)).isEqualTo(Instant.parse("2026-12-06T00:00:00Z"));
    }

    @Test
    void aRestartKeepsTheDaysCounts() throws Exception {
        TlsReportBook before = book();
        for (int i = 0; i < 5; i++) before.record(ok("example.test", "sts", STS, "mx1.example.test"));
        before.record(failed("example.test", "sts", STS, "mx1.example.test", "198.51.100.7",
                ResultType.CERTIFICATE_NOT_TRUSTED, "self-signed"));
        before.flush();
        DayCounts saved = before.counts(new TlsReportBook.Key(DAY, "example.test"));

        TlsReportBook after = book();
        assertThat(after.counts(new TlsReportBook.Key(DAY, "example.test"))).isEqualTo(saved);
        after.record(ok("example.test", "sts", STS, "mx1.example.test"));
        assertThat(after.counts(new TlsReportBook.Key(DAY, "example.test")).successes()).isEqualTo(6);
        after.forget(new TlsReportBook.Key(DAY, "example.test"));
        assertThat(store.entries).isEmpty();
        assertThat(book().keys()).isEmpty();
    }

    @Test
    void aSaveThatFailsIsTriedAgain() throws Exception {
        TlsReportBook book = book();
        book.record(ok("example.test", "sts", STS, "mx1.example.test"));
        store.failing.set(true);
        book.flush();
        assertThat(store.entries).isEmpty();
        store.failing.set(false);
        book.flush();
        assertThat(book().counts(new TlsReportBook.Key(DAY, "example.test")).successes()).isEqualTo(1);
    }

    @Test
    void attemptsCountOnTheUtcDayTheyHappen() throws Exception {
        clock.advance(Duration.between(clock.instant(), Instant.parse("2026-12-06T23:59:59Z")));
        TlsReportBook book = book();
        book.record(ok("example.test", "sts", STS, "mx1.example.test"));
        clock.advance(Duration.ofSeconds(1));
        book.record(ok("example.test", "sts", STS, "mx1.example.test"));
        book.record(ok("example.test", "sts", STS, "mx1.example.test"));
        assertThat(book.keys()).containsExactly(new TlsReportBook.Key(DAY, "example.test"),
                new TlsReportBook.Key(DAY.plusDays(1), "example.test"));
        assertThat(book.counts(new TlsReportBook.Key(DAY, "example.test")).successes()).isEqualTo(1);
        assertThat(book.counts(new TlsReportBook.Key(DAY.plusDays(1), "example.test")).successes()).isEqualTo(2);
    }

    @Test
    void whatRemotePartiesChooseIsCappedAndCounted() throws Exception {
        TlsReportBook book = TlsReportBook.open(store, clock, new TlsReportBook.Limits(3, 2, 2));
        for (int i = 0; i < 5; i++) book.record(ok("d" + i + ".test", "no-policy-found", List.of(), "mx.test"));
        assertThat(book.keys()).hasSize(3);
        for (int i = 0; i < 4; i++) book.record(ok("d0.test", "no-policy-found", List.of(), "mx" + i + ".test"));
        assertThat(book.counts(new TlsReportBook.Key(DAY, "d0.test")).policies()).hasSize(2);
        for (int i = 0; i < 4; i++) {
            book.record(failed("d1.test", "no-policy-found", List.of(), "mx.test", "198.51.100." + i,
                    ResultType.STARTTLS_NOT_SUPPORTED, null));
        }
        DayCounts.Policy p = book.counts(new TlsReportBook.Key(DAY, "d1.test")).policies().getFirst();
        assertThat(p.failures()).isEqualTo(4); // every failure is in the summary ...
        assertThat(p.details()).hasSize(2); // ... the kinds of failure beyond the cap are not detailed
        assertThat(book.dropped()).isEqualTo(2 + 3 + 2); // domains d3, d4; policies mx1-mx3; details .2, .3
    }

    @Test
    void hostileTextBecomesPrintableAndBoundedNeverAnException() throws Exception {
        TlsReportBook book = book();
        String longLine = "x".repeat(5000);
        book.record(new TlsAttempt("evil.test", "sts", List.of("mode: enforce\r\nmx: \u001b[31m", longLine),
                "mx.evil.test", "not-an-ip", "1.2.3.4\n", ResultType.VALIDATION_FAILURE, "bad\u0000chain\u00e9"));
        book.record(new TlsAttempt("evil.test", "bogus-type", List.of(), "mx", null, null, null, null));
        book.record(new TlsAttempt(null, "sts", List.of(), "mx", null, null, null, null));
        book.record(new TlsAttempt("bad domain/..", "sts", List.of(), "mx", null, null, null, null));
        assertThat(book.keys()).containsExactly(new TlsReportBook.Key(DAY, "evil.test"));
        DayCounts counts = book.counts(book.keys().getFirst());
        DayCounts.Policy p = counts.policies().getFirst();
        assertThat(p.strings().getFirst()).isEqualTo("mode: enforce??mx: ?[31m");
        assertThat(p.strings().get(1)).hasSize(1000);
        DayCounts.Failure f = p.details().getFirst();
        assertThat(f.sendingIp()).isNull();
        assertThat(f.receivingIp()).isNull();
        assertThat(f.reason()).isEqualTo("bad?chain?");
        assertRfc8460Schema(new TlsReport("h", "c", "i@h", counts).json());
    }

    static void assertRfc8460Schema(byte[] json) throws Exception {
        Path schema = resource("tlsrpt/rfc8460-report.schema.json");
        Path script = resource("tlsrpt/validate.py");
        Peer.Result check = Peer.run(List.of("/usr/bin/python3", script.toString(), schema.toString()),
                new String(json, StandardCharsets.UTF_8), 30);
        assertThat(check.output()).as("python3-jsonschema is installed by .ci/run").doesNotContain("No module named");
        assertThat(check.exit()).as(check.output()).isZero();
    }

    private static Path resource(String name) throws Exception {
        return Path.of(TlsReportTest.class.getClassLoader().getResource(name).toURI());
    }

    static byte[] gunzip(byte[] gz) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    private static JsonNode policy(JsonNode report, String type) {
        for (JsonNode p : report.path("policies")) {
            if (p.path("policy").path("policy-type").asText().equals(type)) return p;
        }
        throw new AssertionError("no " + type + " policy in " + report);
    }

    private static JsonNode detail(JsonNode policy, String resultType) {
        for (JsonNode d : policy.path("failure-details")) {
            if (d.path("result-type").asText().equals(resultType)) return d;
        }
        throw new AssertionError("no " + resultType + " in " + policy);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
