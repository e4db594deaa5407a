package sluice.shaping;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import sluice.bounce.BounceClassifier;
import sluice.config.EgressConfig;
import sluice.config.Rate;
import sluice.config.ShapingConfig;
import sluice.delivery.Destination;
import sluice.delivery.EgressPools;
import sluice.delivery.Job;
import sluice.delivery.Outcome;
import sluice.observe.DeliveryEvent;
import sluice.spool.Envelope;
import sluice.spool.Recipient;
import sluice.testkit.MutableClock;

/** The shaping room on its own: groups, rate slots, connection slots, backoff, suspension, source choice. */
class ShaperTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));
    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
    private final List<DeliveryEvent.Shaping> events = new CopyOnWriteArrayList<>();
    private final Map<String, List<String>> mx = new HashMap<>();
    private int ids;

    private static ShapingConfig.Rule rule(String match, String group, int connections, String rate) {
        return new ShapingConfig.Rule(match, group, connections, 0, rate == null ? null : Rate.parse(rate), null, null,
                true, Duration.ofMinutes(10), "test:1");
    }

    private Shaper shaper(EgressConfig egress, ShapingConfig.Rule... rules) {
        return new Shaper(new ShapingConfig(List.of(rules), Map.of()), new EgressPools(egress, RandomGenerator.of("L64X128MixRandom")),
                mx::get, WarmupLedger.NONE, SourceHealth.ALL, new BounceClassifier(),
                e -> {
                    if (e instanceof DeliveryEvent.Shaping s) events.add(s);
                }, clock, nanos::get, RandomGenerator.of("L64X128MixRandom"), Duration.ofSeconds(60));
    }

    private Shaper shaper(ShapingConfig.Rule... rules) {
        return shaper(EgressConfig.NONE, rules);
    }

    private Job job(String rcpt) {
        String domain = rcpt.substring(rcpt.indexOf('@') + 1);
        Envelope env = new Envelope("s@sender.test", List.of(Recipient.pending(rcpt, null, null)), clock.instant(), 10, Map.of());
        return new Job("Q" + (ids++), env, env.recipients(), new Destination.Mx(domain));
    }

    private void advance(long millis) {
        nanos.addAndGet(millis * 1_000_000L);
        clock.advance(Duration.ofMillis(millis));
    }

    private static Outcome reply(Job j, int code, String enhanced, String text) {
        return new Outcome(j.recipients().getFirst().address(), Outcome.resultOf(code), code, enhanced, text, "mx.test",
                "192.0.2.1", 25, null, 5, false, null);
    }

    @Test
    void aRateGivesEachWaitingJobItsOwnSlotInOrder() {
        Shaper s = shaper(rule("rated.test", "rated", 0, "10/s")); // burst 1: one every 100 ms
        Admission first = s.admit(job("a@rated.test"), () -> {});
        assertThat(first).isInstanceOf(Admission.Go.class);
        long now = clock.millis();
        List<Long> untils = new ArrayList<>();
        List<Job> waiting = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Job j = job("b" + i + "@rated.test");
            waiting.add(j);
            untils.add(((Admission.Wait) s.admit(j, () -> {})).untilMillis() - now);
        }
        // one slot each, 100 ms apart, in arrival order: asked about once, not polled by a crowd
        assertThat(untils).containsExactly(100L, 200L, 300L, 400L, 500L);
        // a newcomer queues behind them
        assertThat(((Admission.Wait) s.admit(job("c@rated.test"), () -> {})).untilMillis() - now).isEqualTo(600);
        // at its slot, each waiting job goes (its slot was kept for it); the third is not let in early
        advance(200);
        assertThat(s.admit(waiting.get(0), () -> {})).isInstanceOf(Admission.Go.class);
        assertThat(s.admit(waiting.get(1), () -> {})).isInstanceOf(Admission.Go.class);
        assertThat(s.admit(waiting.get(2), () -> {})).isInstanceOf(Admission.Wait.class);
    }

    @Test
    void aRateHoldsOverAMinuteOfConstantDemand() {
        // The scheduler's part played here: a job told to wait comes back at its time, and is asked once more.
        Shaper s = shaper(rule("rated.test", "rated", 0, "100/s"));
        java.util.PriorityQueue<long[]> due = new java.util.PriorityQueue<>((x, y) -> Long.compare(x[0], y[0]));
        Map<Long, Job> jobs = new HashMap<>();
        long start = clock.millis();
        long next = 0;
        int sent = 0;
        int asked = 0;
        for (int ms = 0; ms < 60_000; ms++) {
            if (ms % 10 == 0) { // 300 jobs a second arrive: three times the rate
                for (int k = 0; k < 3; k++) {
                    jobs.put(next, job("x@rated.test"));
                    due.add(new long[] {clock.millis(), next++});
                }
            }
            while (!due.isEmpty() && due.peek()[0] <= clock.millis()) {
                long[] d = due.poll();
                asked++;
                Admission a = s.admit(jobs.get(d[1]), () -> {});
                if (a instanceof Admission.Go go) {
                    sent++;
                    jobs.remove(d[1]);
                    go.lease().done(List.of());
                } else {
                    due.add(new long[] {((Admission.Wait) a).untilMillis(), d[1]});
                }
            }
            advance(1);
        }
        assertThat(clock.millis() - start).isEqualTo(60_000);
        // 6,000 in a minute plus at most the burst (a tenth of a second's worth)
        assertThat(sent).isBetween(5_990, 6_010);
        // each job was asked about at most twice: when it arrived, and at its reserved slot
        assertThat(asked).isLessThanOrEqualTo(18_000 + sent);
    }

    @Test
    void aFullLaneParksTheJobAndWakesItWhenAConnectionFrees() {
        Shaper s = shaper(rule("small.test", "small", 2, null));
        Admission.Go a = (Admission.Go) s.admit(job("a@small.test"), () -> {});
        Admission.Go b = (Admission.Go) s.admit(job("b@small.test"), () -> {});
        AtomicInteger woken = new AtomicInteger();
        Admission c = s.admit(job("c@small.test"), woken::incrementAndGet);
        assertThat(c).isInstanceOf(Admission.Wait.class);
        assertThat(((Admission.Wait) c).untilMillis() - clock.millis()).isEqualTo(Shaper.CONNECTION_BACKSTOP_MILLIS);
        a.lease().done(List.of(reply(a.job(), 250, "2.0.0", "ok")));
        assertThat(woken).hasValue(1);
        assertThat(s.admit(job("c@small.test"), () -> {})).isInstanceOf(Admission.Go.class);
        b.lease().done(List.of());
        assertThat(s.lanes()).singleElement().satisfies(v -> {
            assertThat(v.active()).isEqualTo(1);
            assertThat(v.connections()).isEqualTo(2);
        });
    }

    @Test
    void aReloadThatLowersAConnectionLimitCountsTheConnectionsStillOpen() {
        Shaper s = shaper(rule("small.test", "small", 2, null));
        Admission.Go a = (Admission.Go) s.admit(job("a@small.test"), () -> {});
        Admission.Go b = (Admission.Go) s.admit(job("b@small.test"), () -> {});
        AtomicInteger woken = new AtomicInteger();
        assertThat(s.admit(job("c@small.test"), woken::incrementAndGet)).isInstanceOf(Admission.Wait.class);
        s.rules(List.of(rule("small.test", "small", 1, null)));
        assertThat(woken).as("a parked job comes back to meet the new lane").hasValue(1);
        // two connections still open under the old rule: the new limit of one admits nobody
        assertThat(s.admit(job("c@small.test"), () -> {})).isInstanceOf(Admission.Wait.class);
        a.lease().done(List.of(reply(a.job(), 250, "2.0.0", "ok")));
        assertThat(s.admit(job("c@small.test"), () -> {})).isInstanceOf(Admission.Wait.class);
        b.lease().done(List.of(reply(b.job(), 250, "2.0.0", "ok")));
        assertThat(s.admit(job("c@small.test"), () -> {})).isInstanceOf(Admission.Go.class);
        assertThat(s.admit(job("d@small.test"), () -> {})).isInstanceOf(Admission.Wait.class);
        assertThat(s.lanes()).singleElement().satisfies(v -> assertThat(v.connections()).isEqualTo(1));
    }

    @Test
    void aReloadThatRaisesAConnectionLimitAdmitsAtOnce() {
        Shaper s = shaper(rule("small.test", "small", 2, null));
        s.admit(job("a@small.test"), () -> {});
        s.admit(job("b@small.test"), () -> {});
        assertThat(s.admit(job("c@small.test"), () -> {})).isInstanceOf(Admission.Wait.class);
        s.rules(List.of(rule("small.test", "small", 3, null)));
        assertThat(s.admit(job("c@small.test"), () -> {})).isInstanceOf(Admission.Go.class);
        assertThat(s.admit(job("d@small.test"), () -> {})).isInstanceOf(Admission.Wait.class);
    }

    @Test
    void aReloadKeepsABackoffInForceUnderTheNewLimits() {
        Shaper s = shaper(rule("rated.test", "rated", 8, "100/s"));
        Admission.Go go = (Admission.Go) s.admit(job("a@rated.test"), () -> {});
        go.lease().done(List.of(reply(go.job(), 421, "4.7.28", "Our system has detected an unusual rate")));
        assertThat(s.lanes().getFirst().ratePerSecond()).isEqualTo(50.0);
        s.rules(List.of(rule("rated.test", "rated", 6, "200/s")));
        s.admit(job("b@rated.test"), () -> {});
        assertThat(s.lanes()).singleElement().satisfies(v -> {
            assertThat(v.backingOff()).as("the provider's 421 still holds").isTrue();
            assertThat(v.ratePerSecond()).isEqualTo(50.0);
            assertThat(v.connections()).isEqualTo(4);
        });
        // a limit lowered below the backoff's wins
        s.rules(List.of(rule("rated.test", "rated", 2, "10/s")));
        s.admit(job("c@rated.test"), () -> {});
        assertThat(s.lanes()).singleElement().satisfies(v -> {
            assertThat(v.ratePerSecond()).isEqualTo(10.0);
            assertThat(v.connections()).isEqualTo(2);
        });
    }

    @Test
    void mxSuffixRulesPutManyDomainsInOneGroupAndOthersInTheirOwn() {
        for (int i = 0; i < 20; i++) mx.put("d" + i + ".test", List.of("aspmx.l.google.com", "alt1.aspmx.l.google.com."));
        mx.put("notgoogle.test", List.of("mx.notgoogle.com"));
        Shaper s = shaper(rule("mx:.google.com", "google", 3, null));
        List<Admission.Go> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) held.add((Admission.Go) s.admit(job("u@d" + i + ".test"), () -> {}));
        // three domains, one group: the fourth domain finds its connections taken
        assertThat(s.admit(job("u@d7.test"), () -> {})).isInstanceOf(Admission.Wait.class);
        assertThat(held.getFirst().job().shape().group()).isEqualTo("google");
        assertThat(s.admit(job("u@notgoogle.test"), () -> {})).isInstanceOf(Admission.Go.class);
        assertThat(Groups.endsWith("notgoogle.com", ".google.com")).isFalse();
        assertThat(Groups.endsWith("google.com", "google.com")).isTrue();
    }

    @Test
    void anUnknownMxIsLookedAtAgainNotRemembered() {
        Shaper s = shaper(rule("mx:.google.com", "google", 1, null));
        Admission.Go first = (Admission.Go) s.admit(job("a@later.test"), () -> {}); // lookup fails: its own group
        assertThat(first.job().shape().group()).isNull();
        mx.put("later.test", List.of("aspmx.l.google.com"));
        Admission.Go second = (Admission.Go) s.admit(job("b@later.test"), () -> {});
        assertThat(second.job().shape().group()).isEqualTo("google");
    }

    @Test
    void rateLimitRepliesHalveTheLaneAndCleanWindowsRestoreItGradually() {
        Shaper s = shaper(rule("rated.test", "rated", 8, "100/s"));
        Admission.Go go = (Admission.Go) s.admit(job("a@rated.test"), () -> {});
        go.lease().done(List.of(reply(go.job(), 421, "4.7.28", "Our system has detected an unusual rate")));
        LaneView v = s.lanes().getFirst();
        assertThat(v.ratePerSecond()).isEqualTo(50.0);
        assertThat(v.connections()).isEqualTo(4);
        assertThat(v.backingOff()).isTrue();
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.event()).isEqualTo("backoff");
            assertThat(e.group()).isEqualTo("rated");
            assertThat(e.text()).contains("421 4.7.28").contains("100.0/s -> 50.0/s").contains("connections 8 -> 4");
        });
        // a second 421 at once does not halve again (one decrease per gap), one after the gap does
        go = (Admission.Go) s.admit(job("b@rated.test"), () -> {});
        go.lease().done(List.of(reply(go.job(), 421, "4.7.0", "Try again later")));
        assertThat(s.lanes().getFirst().ratePerSecond()).isEqualTo(50.0);
        advance(6_000);
        go = (Admission.Go) s.admit(job("c@rated.test"), () -> {});
        go.lease().done(List.of(reply(go.job(), 451, "4.7.1", "too many messages, slow down")));
        assertThat(s.lanes().getFirst().ratePerSecond()).isEqualTo(25.0);
        assertThat(s.lanes().getFirst().connections()).isEqualTo(2);
        // windows with deliveries and no rate-limit reply: +10 per window, +1 connection, never a snap back
        List<Double> rates = new ArrayList<>();
        for (int w = 0; w < 10; w++) {
            advance(61_000);
            go = (Admission.Go) s.admit(job("d" + w + "@rated.test"), () -> {});
            go.lease().done(List.of(reply(go.job(), 250, "2.0.0", "ok")));
            advance(1_000);
            s.tick();
            rates.add(s.lanes().getFirst().ratePerSecond());
        }
        // the first window saw the 421s: no rise; then a tenth of the configured rate per clean window
        assertThat(rates).containsExactly(25.0, 35.0, 45.0, 55.0, 65.0, 75.0, 85.0, 95.0, 100.0, 100.0);
        assertThat(s.lanes().getFirst().connections()).isEqualTo(8);
        assertThat(s.lanes().getFirst().backingOff()).isFalse();
        assertThat(events.getLast().event()).isEqualTo("resumed");
    }

    @Test
    void ownFailuresNeverTriggerBackoff() {
        Shaper s = shaper(rule("rated.test", "rated", 8, "100/s"));
        Admission.Go go = (Admission.Go) s.admit(job("a@rated.test"), () -> {});
        // no host answered: a DNS failure or a refused connection, however its text reads
        go.lease().done(List.of(new Outcome("a@rated.test", Outcome.Result.DEFERRED, 451, "4.4.3",
                "Cannot look up the MX of rated.test: try again later (too many queries)", null, null, 0, null, 1)));
        assertThat(s.lanes().getFirst().backingOff()).isFalse();
        assertThat(events).isEmpty();
    }

    @Test
    void aBlockSuspendsThatSourceForTheGroupAndMailMovesToTheOther() {
        EgressConfig egress = new EgressConfig(List.of(
                new EgressConfig.Source("ip1", "127.0.0.2", "o1.test", null, null),
                new EgressConfig.Source("ip2", "127.0.0.3", "o2.test", null, null)),
                List.of(new EgressConfig.Pool("bulk", List.of("ip1", "ip2"), List.of(1, 1), "spill")), "bulk", Map.of(), Map.of());
        Shaper s = shaper(egress, rule("blocky.test", "blocky", 0, null));
        Admission.Go go;
        do {
            go = (Admission.Go) s.admit(job("a@blocky.test"), () -> {});
            go.lease().done(List.of(reply(go.job(), 250, "2.0.0", "ok")));
        } while (!go.job().shape().source().name().equals("ip1"));
        go = (Admission.Go) s.admit(job("b@blocky.test"), () -> {});
        while (!go.job().shape().source().name().equals("ip1")) {
            go.lease().done(List.of());
            go = (Admission.Go) s.admit(job("b@blocky.test"), () -> {});
        }
        go.lease().done(List.of(reply(go.job(), 550, "5.7.1", "Service unavailable; client host [127.0.0.2] blocked using zen.spamhaus.org")));
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.event()).isEqualTo("suspended");
            assertThat(e.egressSource()).isEqualTo("ip1");
            assertThat(e.text()).contains("blocked using zen.spamhaus.org");
        });
        assertThat(s.alerts()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo("suspended");
            assertThat(a.message()).contains("egress source ip1 is suspended for blocky until 2026-12-06T10:10:00Z")
                    .contains("blocked using zen.spamhaus.org");
        });
        for (int i = 0; i < 50; i++) {
            Admission.Go g = (Admission.Go) s.admit(job("c" + i + "@blocky.test"), () -> {});
            assertThat(g.job().shape().source().name()).isEqualTo("ip2");
            g.lease().done(List.of());
        }
        // another group still uses ip1
        boolean ip1Used = false;
        for (int i = 0; i < 50 && !ip1Used; i++) {
            Admission.Go g = (Admission.Go) s.admit(job("d@elsewhere.test"), () -> {});
            ip1Used = g.job().shape().source().name().equals("ip1");
            g.lease().done(List.of());
        }
        assertThat(ip1Used).isTrue();
        advance(Duration.ofMinutes(10).toMillis() + 1);
        s.tick();
        assertThat(events.getLast().event()).isEqualTo("resumed");
        assertThat(s.lanes()).filteredOn(v -> v.group().equals("blocky")).noneMatch(LaneView::suspended);
        assertThat(s.alerts()).isEmpty();
    }

    @Test
    void whenEverySourceIsSuspendedTheJobWaitsForTheFirstToReturn() {
        Shaper s = shaper(rule("blocky.test", "blocky", 0, null));
        Admission.Go go = (Admission.Go) s.admit(job("a@blocky.test"), () -> {});
        go.lease().done(List.of(reply(go.job(), 554, "5.7.1", "Message rejected: IP listed at bl.example")));
        Admission a = s.admit(job("b@blocky.test"), () -> {});
        assertThat(a).isInstanceOfSatisfying(Admission.Wait.class,
                w -> assertThat(w.untilMillis() - clock.millis()).isEqualTo(Duration.ofMinutes(10).toMillis()));
    }

    @Test
    void aGroupWithoutARateBacksOffFromWhatItWasSending() {
        Shaper s = shaper();
        for (int i = 0; i < 40; i++) {
            Admission.Go g = (Admission.Go) s.admit(job("a@plain.test"), () -> {});
            g.lease().done(List.of(reply(g.job(), 250, "2.0.0", "ok")));
        }
        advance(2_000); // 40 in 2 s: 20/s
        Admission.Go go = (Admission.Go) s.admit(job("b@plain.test"), () -> {});
        go.lease().done(List.of(reply(go.job(), 421, "4.7.0", "Too many connections from your IP")));
        LaneView v = s.lanes().getFirst();
        assertThat(v.group()).isEqualTo("*");
        assertThat(v.domain()).isEqualTo("plain.test");
        assertThat(v.ratePerSecond()).isBetween(10.0, 10.5);
        assertThat(v.connections()).isEqualTo(1);
        assertThat(events.getFirst().text()).startsWith("plain.test: 421");
    }

    @Test
    void localAndSmarthostJobsAreNotShaped() {
        Shaper s = shaper(rule("*", null, 1, "1/min"));
        Envelope env = new Envelope("s@x.test", List.of(Recipient.pending("a@x.test", null, null)), clock.instant(), 1, Map.of());
        for (int i = 0; i < 3; i++) {
            assertThat(s.admit(new Job("L" + i, env, env.recipients(), new Destination.Local()), () -> {}))
                    .isInstanceOf(Admission.Go.class);
            assertThat(s.admit(new Job("S" + i, env, env.recipients(), new Destination.Smarthost(0, "relay.test")), () -> {}))
                    .isInstanceOf(Admission.Go.class);
        }
        // while "*" gives each other domain its own lane with the rule's limits
        assertThat(s.admit(job("a@one.test"), () -> {})).isInstanceOf(Admission.Go.class);
        assertThat(s.admit(job("a@two.test"), () -> {})).isInstanceOf(Admission.Go.class);
        assertThat(s.admit(job("b@one.test"), () -> {})).isInstanceOf(Admission.Wait.class);
    }

    @Test
    void anAttemptHeldBackByTheConnectionRateGivesItsWarmupCountBack() {
        List<String> ledger = new CopyOnWriteArrayList<>();
        WarmupLedger recording = new WarmupLedger() {
            public long remaining(String source, String group, long nowMillis) {
                return 10;
            }

            public void count(String source, String group, long nowMillis) {
                ledger.add("count " + source + " " + group);
            }

            public void refund(String source, String group, long nowMillis) {
                ledger.add("refund " + source + " " + group);
            }

            public long nextDay(long nowMillis) {
                return nowMillis + 1;
            }
        };
        ShapingConfig.Rule r = new ShapingConfig.Rule("gated.test", "gated", 0, 0, null, Rate.parse("1/min"), null,
                true, Duration.ofMinutes(10), "test:1");
        Shaper s = new Shaper(new ShapingConfig(List.of(r), Map.of()), EgressPools.none(), mx::get, recording,
                SourceHealth.ALL, new BounceClassifier(), e -> {}, clock, nanos::get,
                RandomGenerator.of("L64X128MixRandom"), Duration.ofSeconds(60));
        Admission.Go first = (Admission.Go) s.admit(job("a@gated.test"), () -> {});
        assertThat(first.job().shape().gate().tryOpen()).isZero();
        first.lease().done(List.of(reply(first.job(), 250, "2.0.0", "ok")));
        Admission.Go second = (Admission.Go) s.admit(job("b@gated.test"), () -> {});
        long until = second.job().shape().gate().tryOpen();
        assertThat(until - clock.millis()).isEqualTo(60_000);
        second.lease().done(List.of(Outcome.throttled("b@gated.test", until, "connection rate")));
        assertThat(ledger).containsExactly("count default gated", "count default gated", "refund default gated");
    }
}
