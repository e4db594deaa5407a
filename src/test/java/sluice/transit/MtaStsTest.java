package sluice.transit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.config.TransitConfig;
import sluice.dns.Resolver;
import sluice.testkit.FreePorts;
import sluice.testkit.MutableClock;
import sluice.testkit.TestDnsServer;

/** MTA-STS against a real HTTPS policy host (Python), a test CA and the in-process test DNS server. */
class MtaStsTest {
    private static final String ENFORCE = "version: STSv1\nmode: enforce\nmx: mx1.a.test\nmx: *.mx.a.test\nmax_age: 86400\n";
    private static final List<String> DOMAINS = List.of("a.test", "b.test", "t.test", "n.test", "r.test", "h.test",
            "big.test", "slow.test", "bad.test", "wrong.test");
    private static final long DNS_TTL = 60;

    @TempDir Path tmp;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T00:00:00Z"));
    private final List<AutoCloseable> closing = new ArrayList<>();
    private TestDnsServer dns;
    private PolicyHostPeer host;
    private int port;
    private Path caFile;
    private Resolver resolver;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start().ttl(DNS_TTL);
        closing.add(dns);
        port = FreePorts.next();
        StsTestCa ca = StsTestCa.create("Test CA");
        caFile = ca.writeCertificate(tmp.resolve("ca.pem"));
        List<String> names = DOMAINS.stream().filter(d -> !d.equals("wrong.test")).map(d -> "mta-sts." + d).toList();
        host = PolicyHostPeer.start(tmp.resolve("host"), "127.0.0.1", port, ca, names);
        closing.add(host);
        for (String d : DOMAINS) {
            dns.a("mta-sts." + d, "127.0.0.1").txt("_mta-sts." + d, "v=STSv1; id=1;");
            host.policy("mta-sts." + d, ENFORCE.replace("a.test", d));
        }
        resolver = Resolver.create(List.of(dns.address()), Duration.ofSeconds(2), clock);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
    }

    private MtaSts sts() throws Exception {
        return sts(Duration.ofSeconds(3));
    }

    private MtaSts sts(Duration fetchTimeout) throws Exception {
        MtaSts s = MtaSts.create(resolver, new TransitConfig("enforce", "off", null, false, port, caFile),
                tmp.resolve("data"), clock, Duration.ofSeconds(2), fetchTimeout);
        closing.add(s);
        return s;
    }

    private static StsPolicy inForce(StsVerdict v) {
        assertThat(v).isInstanceOf(StsVerdict.InForce.class);
        return ((StsVerdict.InForce) v).policy();
    }

    private static StsVerdict.Failed failed(StsVerdict v, ResultType type) {
        assertThat(v).isInstanceOf(StsVerdict.Failed.class);
        assertThat(((StsVerdict.Failed) v).type()).as(v.toString()).isEqualTo(type);
        return (StsVerdict.Failed) v;
    }

    /** Lets the DNS answers cached by the resolver expire, so record changes are seen. */
    private void dnsCacheExpires() {
        clock.advance(Duration.ofSeconds(DNS_TTL + 1));
    }

    @Test
    void enforcePolicyMatchesItsMxHostsOnly() throws Exception {
        StsPolicy p = inForce(sts().policyFor("a.test"));
        assertThat(p.mode()).isEqualTo(StsPolicy.Mode.ENFORCE);
        assertThat(p.id()).isEqualTo("1");
        assertThat(p.maxAgeSeconds()).isEqualTo(86400);
        assertThat(p.permits("mx1.a.test")).isTrue();
        assertThat(p.permits("x.mx.a.test")).isTrue();
        assertThat(p.permits("y.x.mx.a.test")).isFalse(); // the wildcard covers one left-most label
        assertThat(p.permits("mx2.a.test")).isFalse();
        assertThat(p.permits("mx1.evil.test")).isFalse();
        // the names exist only in the test DNS server: they were resolved by Sluice's resolver, not the system's
        assertThat(dns.queries("mta-sts.a.test")).isPositive();
    }

    @Test
    void aCachedPolicyAppliesWhileTheTxtLookupFails() throws Exception {
        MtaSts sts = sts();
        inForce(sts.policyFor("a.test"));
        dns.remove("_mta-sts.a.test").servfail("_mta-sts.a.test");
        dnsCacheExpires();
        assertThat(inForce(sts.policyFor("a.test")).id()).isEqualTo("1");
        dns.servfail("_mta-sts.b.test");
        assertThat(sts.policyFor("b.test")).isInstanceOf(StsVerdict.None.class); // nothing cached: as without a policy
    }

    @Test
    void testingAndNoneModes() throws Exception {
        host.policy("mta-sts.t.test", "version: STSv1\r\nmode: testing\r\nmx: mx.t.test\r\nmax_age: 600\r\n");
        host.policy("mta-sts.n.test", "version: STSv1\nmode: none\nmax_age: 600\n");
        MtaSts sts = sts();
        assertThat(inForce(sts.policyFor("t.test")).mode()).isEqualTo(StsPolicy.Mode.TESTING);
        StsVerdict none = sts.policyFor("n.test");
        assertThat(none).isInstanceOf(StsVerdict.None.class);
        assertThat(((StsVerdict.None) none).why()).contains("mode none");
    }

    @Test
    void noRecordMalformedOrDuplicatedRecordsMeanNoPolicy() throws Exception {
        dns.txt("_mta-sts.b.test", "v=STSv1; id=2;"); // now two records
        dns.remove("_mta-sts.t.test").txt("_mta-sts.t.test", "v=STSv1; id=not-alnum;");
        MtaSts sts = sts();
        assertThat(sts.policyFor("b.test")).isInstanceOf(StsVerdict.None.class);
        assertThat(sts.policyFor("t.test")).isInstanceOf(StsVerdict.None.class);
        assertThat(sts.policyFor("nosuch.test")).isInstanceOf(StsVerdict.None.class);
        assertThat(host.requests("mta-sts.b.test") + host.requests("mta-sts.t.test")).isZero();
    }

    @Test
    void policyHostFailuresAreFetchErrors() throws Exception {
        host.answer("mta-sts.r.test", Map.of("status", 301, "location", "https://mta-sts.a.test/.well-known/mta-sts.txt"));
        host.answer("mta-sts.h.test", Map.of("type", "text/html; charset=utf-8", "body", ENFORCE));
        host.answer("mta-sts.big.test", Map.of("body", ENFORCE + "x: " + "y".repeat(70_000) + "\n"));
        host.answer("mta-sts.b.test", Map.of("status", 404, "body", "nope"));
        MtaSts sts = sts();
        assertThat(failed(sts.policyFor("r.test"), ResultType.STS_POLICY_FETCH_ERROR).detail()).contains("HTTP 301", "redirect");
        assertThat(host.requests("mta-sts.a.test")).isZero(); // the redirect was not followed
        assertThat(failed(sts.policyFor("h.test"), ResultType.STS_POLICY_FETCH_ERROR).detail()).contains("text/html");
        assertThat(failed(sts.policyFor("big.test"), ResultType.STS_POLICY_FETCH_ERROR).detail()).contains("larger than 65536");
        host.answer("mta-sts.big.test", Map.of("no_length", true, "body", ENFORCE + "x: " + "y".repeat(300_000) + "\n"));
        host.answer("mta-sts.t.test", Map.of("no_length", true, "body", ENFORCE.replace("a.test", "t.test")));
        clock.advance(MtaSts.RETRY_AFTER_FAILURE);
        assertThat(failed(sts.policyFor("big.test"), ResultType.STS_POLICY_FETCH_ERROR).detail()).contains("larger than 65536");
        inForce(sts.policyFor("t.test")); // without Content-Length, read to the end of the connection
        assertThat(failed(sts.policyFor("b.test"), ResultType.STS_POLICY_FETCH_ERROR).detail()).contains("HTTP 404");
    }

    @Test
    void textPlainWithParametersIsAccepted() throws Exception {
        host.answer("mta-sts.a.test", Map.of("type", "Text/Plain; charset=us-ascii", "body", ENFORCE));
        inForce(sts().policyFor("a.test"));
    }

    @Test
    void invalidPolicyIsReportedAsSuch() throws Exception {
        host.policy("mta-sts.bad.test", "version: STSv1\nmode: enforce\nmx: mx.*.bad.test\nmax_age: 600\n");
        StsVerdict.Failed f = failed(sts().policyFor("bad.test"), ResultType.STS_POLICY_INVALID);
        assertThat(f.detail()).contains("left-most");
    }

    @Test
    void certificateForAnotherNameIsRefused() throws Exception {
        failed(sts().policyFor("wrong.test"), ResultType.STS_WEBPKI_INVALID);
    }

    @Test
    void certificateFromAnUntrustedCaIsRefused() throws Exception {
        StsTestCa other = StsTestCa.create("Unknown CA");
        closing.add(PolicyHostPeer.start(tmp.resolve("other"), "127.0.0.2", port, other, List.of("mta-sts.u.test"))
                .policy("mta-sts.u.test", ENFORCE));
        dns.a("mta-sts.u.test", "127.0.0.2").txt("_mta-sts.u.test", "v=STSv1; id=1;");
        failed(sts().policyFor("u.test"), ResultType.STS_WEBPKI_INVALID);
    }

    @Test
    void hostDownWithoutCachedPolicyIsAFetchError() throws Exception {
        dns.remove("mta-sts.a.test").a("mta-sts.a.test", "127.0.0.3"); // nothing listens there
        failed(sts().policyFor("a.test"), ResultType.STS_POLICY_FETCH_ERROR);
        dns.remove("mta-sts.b.test"); // no address at all
        assertThat(failed(sts().policyFor("b.test"), ResultType.STS_POLICY_FETCH_ERROR).detail()).contains("mta-sts.b.test");
    }

    @Test
    void hostDownWithCachedPolicyKeepsItInForce() throws Exception {
        MtaSts sts = sts();
        inForce(sts.policyFor("a.test"));
        dns.remove("mta-sts.a.test").a("mta-sts.a.test", "127.0.0.3");
        dns.remove("_mta-sts.a.test").txt("_mta-sts.a.test", "v=STSv1; id=2;"); // a new id, but its host is down
        dnsCacheExpires();
        StsPolicy p = inForce(sts.policyFor("a.test"));
        assertThat(p.id()).isEqualTo("1");
        assertThat(p.mode()).isEqualTo(StsPolicy.Mode.ENFORCE);
        // and past half its age, when a refresh is due and fails too
        clock.advance(Duration.ofSeconds(86400 / 2 + 10));
        assertThat(inForce(sts.policyFor("a.test")).id()).isEqualTo("1");
    }

    @Test
    void aNewIdIsFetchedAtOnce() throws Exception {
        MtaSts sts = sts();
        assertThat(inForce(sts.policyFor("a.test")).mode()).isEqualTo(StsPolicy.Mode.ENFORCE);
        assertThat(inForce(sts.policyFor("a.test")).id()).isEqualTo("1");
        assertThat(host.requests("mta-sts.a.test")).isEqualTo(1); // the same id: served from the cache
        host.policy("mta-sts.a.test", "version: STSv1\nmode: testing\nmx: mx9.a.test\nmax_age: 86400\n");
        dns.remove("_mta-sts.a.test").txt("_mta-sts.a.test", "v=STSv1; id=2;");
        dnsCacheExpires();
        StsPolicy p = inForce(sts.policyFor("a.test"));
        assertThat(p.id()).isEqualTo("2");
        assertThat(p.mode()).isEqualTo(StsPolicy.Mode.TESTING);
        assertThat(p.permits("mx9.a.test")).isTrue();
        assertThat(host.requests("mta-sts.a.test")).isEqualTo(2);
    }

    @Test
    void cachedPolicyOutlivesItsTxtRecordUntilMaxAge() throws Exception {
        host.policy("mta-sts.a.test", "version: STSv1\nmode: enforce\nmx: mx1.a.test\nmax_age: 600\n");
        MtaSts sts = sts();
        inForce(sts.policyFor("a.test"));
        dns.remove("_mta-sts.a.test");
        dnsCacheExpires();
        assertThat(inForce(sts.policyFor("a.test")).id()).isEqualTo("1"); // RFC 8461 5.1: still applies
        clock.advance(Duration.ofSeconds(600));
        assertThat(sts.policyFor("a.test")).isInstanceOf(StsVerdict.None.class); // expired
    }

    @Test
    void halfAgeRefreshesInTheBackground() throws Exception {
        host.policy("mta-sts.a.test", "version: STSv1\nmode: enforce\nmx: mx1.a.test\nmax_age: 600\n");
        MtaSts sts = sts();
        inForce(sts.policyFor("a.test"));
        host.policy("mta-sts.a.test", "version: STSv1\nmode: enforce\nmx: mx2.a.test\nmax_age: 600\n");
        clock.advance(Duration.ofSeconds(301));
        assertThat(inForce(sts.policyFor("a.test")).permits("mx1.a.test")).isTrue(); // answered from the cache at once
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> inForce(sts.policyFor("a.test")).permits("mx2.a.test"));
        assertThat(host.requests("mta-sts.a.test")).isEqualTo(2);
        clock.advance(Duration.ofSeconds(500)); // the refreshed copy lives max_age from its own fetch
        assertThat(inForce(sts.policyFor("a.test")).permits("mx2.a.test")).isTrue();
    }

    @Test
    void aRestartKeepsTheCachedPolicy() throws Exception {
        inForce(sts().policyFor("a.test"));
        dns.remove("mta-sts.a.test").a("mta-sts.a.test", "127.0.0.3"); // the policy host is down from now on
        dnsCacheExpires();
        MtaSts restarted = sts();
        StsPolicy p = inForce(restarted.policyFor("a.test"));
        assertThat(p.id()).isEqualTo("1");
        assertThat(p.permits("mx1.a.test")).isTrue();
        assertThat(host.requests("mta-sts.a.test")).isEqualTo(1);
    }

    @Test
    void aCorruptCacheFileIsIgnored() throws Exception {
        inForce(sts().policyFor("a.test"));
        Path file = tmp.resolve("data/mta-sts/a.test.policy");
        assertThat(file).exists();
        Files.writeString(file, "sluice-mta-sts 1\ndomain a.test\nid 1\nfetched zzz\n\ngarbage");
        dns.remove("mta-sts.a.test").a("mta-sts.a.test", "127.0.0.3");
        dnsCacheExpires();
        failed(sts().policyFor("a.test"), ResultType.STS_POLICY_FETCH_ERROR); // no cache, host down: no crash
        Files.write(file, new byte[] {0, (byte) 0xff, 10, 13});
        failed(sts().policyFor("a.test"), ResultType.STS_POLICY_FETCH_ERROR);
    }

    @Test
    void concurrentCallersShareOneFetch() throws Exception {
        host.answer("mta-sts.slow.test", Map.of("delay", 1.0, "body", ENFORCE.replace("a.test", "slow.test")));
        MtaSts sts = sts();
        List<CompletableFuture<StsVerdict>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> sts.policyFor("slow.test"),
                    r -> Thread.ofVirtual().start(r)));
        }
        for (var call : calls) assertThat(inForce(call.get()).id()).isEqualTo("1");
        assertThat(host.requests("mta-sts.slow.test")).isEqualTo(1);
    }

    @Test
    void aSlowPolicyHostStallsOnlyItsOwnDomain() throws Exception {
        host.answer("mta-sts.slow.test", Map.of("delay", 30.0, "body", "never sent in time"));
        MtaSts sts = sts(Duration.ofSeconds(2));
        long started = System.nanoTime();
        var slow = CompletableFuture.supplyAsync(() -> sts.policyFor("slow.test"), r -> Thread.ofVirtual().start(r));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> host.requests("mta-sts.slow.test") == 1);
        long before = System.nanoTime();
        inForce(sts.policyFor("a.test"));
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofMillis(1500));
        failed(slow.get(), ResultType.STS_POLICY_FETCH_ERROR);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6)); // bounded
    }

    @Test
    void aBadPolicyNeverAffectsAnotherDomainSharingTheMxHosts() throws Exception {
        // KumoMTA #484: b.test publishes a broken policy for the same MX hosts as a.test
        host.policy("mta-sts.b.test", "version: STSv1\nmode: enforce\nmx: mx1.a.test\nmax_age: banana\n");
        MtaSts sts = sts();
        failed(sts.policyFor("b.test"), ResultType.STS_POLICY_INVALID);
        assertThat(inForce(sts.policyFor("a.test")).permits("mx1.a.test")).isTrue();
        failed(sts.policyFor("b.test"), ResultType.STS_POLICY_INVALID);
    }

    @Test
    void aFailureIsNotRetriedAtOnceButLater() throws Exception {
        host.answer("mta-sts.a.test", Map.of("status", 500, "body", "oops"));
        MtaSts sts = sts();
        failed(sts.policyFor("a.test"), ResultType.STS_POLICY_FETCH_ERROR);
        failed(sts.policyFor("a.test"), ResultType.STS_POLICY_FETCH_ERROR);
        assertThat(host.requests("mta-sts.a.test")).isEqualTo(1);
        host.policy("mta-sts.a.test", ENFORCE);
        clock.advance(MtaSts.RETRY_AFTER_FAILURE);
        inForce(sts.policyFor("a.test"));
        assertThat(host.requests("mta-sts.a.test")).isEqualTo(2);
    }

    @Test
    void notADomainIsNoPolicy() throws Exception {
        MtaSts sts = sts();
        assertThat(sts.policyFor("")).isInstanceOf(StsVerdict.None.class);
        assertThat(sts.policyFor("a..test")).isInstanceOf(StsVerdict.None.class);
        assertThat(sts.policyFor("../../etc")).isInstanceOf(StsVerdict.None.class);
        assertThat(sts.policyFor("A.TEST.")).isInstanceOf(StsVerdict.InForce.class);
    }
}
