package sluice.shaping;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.config.EgressConfig;
import sluice.config.ShapingConfig;
import sluice.spool.Spool;
import sluice.spool.SpoolException;
import sluice.testkit.MutableClock;

/**
 * The warm-up ledger: a "used" day advances only when 80% of its cap was used, "calendar" days by the date,
 * no cap after the schedule, established sources never capped, and the counters survive a restart.
 */
class WarmupsTest {
    static final Map<String, ShapingConfig.Warmup> SCHEDULES = Map.of(
            "ramp", new ShapingConfig.Warmup("ramp", List.of(10, 20, 30), "used"),
            "dated", new ShapingConfig.Warmup("dated", List.of(10, 20, 30), "calendar"));

    static EgressConfig egress(String... warming) {
        List<EgressConfig.Source> sources = new java.util.ArrayList<>();
        sources.add(new EgressConfig.Source("ip1", "127.0.0.2", "out1.sluice.test", warming[0], warming[1]));
        sources.add(new EgressConfig.Source("ip2", "127.0.0.3", "out2.sluice.test", null, null));
        return new EgressConfig(sources, List.of(), null, Map.of(), Map.of());
    }

    /** A store in memory, as the spool's "state" family behaves for one process. */
    static final class MemoryStore implements Warmups.Store {
        final TreeMap<String, byte[]> saved = new TreeMap<>();

        public synchronized Map<String, byte[]> read(String prefix) {
            return new TreeMap<>(saved.subMap(prefix, prefix + Character.MAX_VALUE));
        }

        public synchronized void write(Map<String, byte[]> entries) {
            saved.putAll(entries);
        }
    }

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T10:00:00Z"));

    private void send(Warmups w, String source, String group, int n) {
        for (int i = 0; i < n; i++) w.count(source, group, clock.millis());
    }

    private long remaining(Warmups w, String source, String group) {
        return w.remaining(source, group, clock.millis());
    }

    @Test
    void usedRampALightDayDoesNotAdvanceAFullDayDoesAndAfterTheLastDayThereIsNoCap() throws Exception {
        Warmups w = Warmups.open(egress("ramp", null), SCHEDULES, new MemoryStore());
        assertThat(remaining(w, "ip1", "google")).isEqualTo(10);
        send(w, "ip1", "google", 10);
        assertThat(remaining(w, "ip1", "google")).isZero();
        assertThat(remaining(w, "ip1", "*")).as("each group has its own day").isEqualTo(10);
        send(w, "ip1", "*", 1);

        clock.advance(Duration.ofHours(14)); // 2026-12-07T00:00Z: a new UTC day
        assertThat(remaining(w, "ip1", "google")).as("day 2 after a full day 1").isEqualTo(20);
        send(w, "ip1", "google", 15); // 75% of 20: a light day
        clock.advance(Duration.ofDays(1));
        assertThat(remaining(w, "ip1", "google")).as("a light day does not count").isEqualTo(20);
        send(w, "ip1", "google", 16); // 80%
        clock.advance(Duration.ofDays(3)); // a quiet weekend after it changes nothing either
        assertThat(remaining(w, "ip1", "google")).isEqualTo(30);
        assertThat(w.views(clock.millis())).containsExactly(
                new WarmupView("ip1", "*", "ramp", 1, 3, 0, 10, "2026-12-13"),
                new WarmupView("ip1", "google", "ramp", 3, 3, 0, 30, "2026-12-11"));
        send(w, "ip1", "google", 24);
        clock.advance(Duration.ofDays(1));
        assertThat(remaining(w, "ip1", "google")).isEqualTo(Long.MAX_VALUE);
        assertThat(w.views(clock.millis())).extracting(WarmupView::group).containsExactly("*");
    }

    @Test
    void theEndOfTheScheduleIsSaidOnceInTheLogPerGroup() throws Exception {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Warmups.class);
        var appender = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        appender.start();
        logger.addAppender(appender);
        try {
            Warmups w = Warmups.open(egress("ramp", null), SCHEDULES, new MemoryStore());
            for (int cap : List.of(10, 20, 30)) {
                send(w, "ip1", "google", cap);
                clock.advance(Duration.ofDays(1));
                remaining(w, "ip1", "google");
            }
            send(w, "ip1", "google", 500);
            clock.advance(Duration.ofDays(1));
            assertThat(remaining(w, "ip1", "google")).isEqualTo(Long.MAX_VALUE);
            w.views(clock.millis());
        } finally {
            logger.detachAppender(appender);
        }
        assertThat(appender.list).map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .filteredOn(m -> m.contains("completed")).containsExactly(
                        "warm-up: source ip1 completed its 3-day schedule ramp for google: no daily cap from now on");
    }

    @Test
    void usedDaysBeforeWarmupStartAreCappedAtDayOneAndDoNotAdvanceTheRamp() throws Exception {
        Warmups w = Warmups.open(egress("ramp", "2026-12-08"), SCHEDULES, new MemoryStore());
        send(w, "ip1", "google", 10);
        assertThat(remaining(w, "ip1", "google")).isZero();
        clock.advance(Duration.ofDays(1)); // 12-07: a full day, but before the start
        assertThat(remaining(w, "ip1", "google")).isEqualTo(10);
        send(w, "ip1", "google", 10);
        clock.advance(Duration.ofDays(1)); // 12-08: day 1
        assertThat(remaining(w, "ip1", "google")).isEqualTo(10);
        send(w, "ip1", "google", 10);
        clock.advance(Duration.ofDays(1));
        assertThat(remaining(w, "ip1", "google")).isEqualTo(20);
    }

    @Test
    void aRefundGivesBackTodaysCountButNotAnEndedDays() throws Exception {
        Warmups w = Warmups.open(egress("ramp", null), SCHEDULES, new MemoryStore());
        send(w, "ip1", "google", 10);
        w.refund("ip1", "google", clock.millis());
        assertThat(remaining(w, "ip1", "google")).isEqualTo(1);
        w.count("ip1", "google", clock.millis());
        clock.advance(Duration.ofDays(1));
        w.refund("ip1", "google", clock.millis());
        assertThat(remaining(w, "ip1", "google")).as("day 2, nothing taken from it").isEqualTo(20);
        w.refund("ip2", "google", clock.millis()); // established: nothing to give back
        w.refund("ip1", "yahoo", clock.millis()); // never counted
        assertThat(remaining(w, "ip1", "yahoo")).isEqualTo(10);
    }

    @Test
    void anEstablishedSourceIsNeverCappedAndKeepsNoState() throws Exception {
        MemoryStore store = new MemoryStore();
        Warmups w = Warmups.open(egress("ramp", null), SCHEDULES, store);
        send(w, "ip2", "google", 1000);
        send(w, "default", "google", 5); // no pool at all
        assertThat(remaining(w, "ip2", "google")).isEqualTo(Long.MAX_VALUE);
        assertThat(w.views(clock.millis())).isEmpty();
        w.close();
        assertThat(store.saved).isEmpty();
    }

    @Test
    void calendarDaysCountFromWarmupStartWhateverWasSentAndBeforeItDayOnesCapApplies() throws Exception {
        Warmups w = Warmups.open(egress("dated", "2026-12-08"), SCHEDULES, new MemoryStore());
        assertThat(remaining(w, "ip1", "google")).as("before warmup_start: day 1's cap").isEqualTo(10);
        send(w, "ip1", "google", 10);
        assertThat(w.views(clock.millis())).containsExactly(new WarmupView("ip1", "google", "dated", 1, 3, 10, 10,
                "2026-12-10"));
        clock.advance(Duration.ofDays(2)); // 2026-12-08: day 1
        assertThat(remaining(w, "ip1", "google")).isEqualTo(10);
        clock.advance(Duration.ofDays(1)); // nothing sent on day 1: the calendar advances anyway
        assertThat(remaining(w, "ip1", "google")).isEqualTo(20);
        clock.advance(Duration.ofDays(1));
        assertThat(remaining(w, "ip1", "microsoft")).as("a group first seen on day 3").isEqualTo(30);
        clock.advance(Duration.ofDays(1));
        assertThat(remaining(w, "ip1", "google")).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void calendarWithoutWarmupStartCountsFromTheSourcesFirstDelivery() throws Exception {
        Warmups w = Warmups.open(egress("dated", null), SCHEDULES, new MemoryStore());
        clock.advance(Duration.ofDays(5)); // configured long ago, first delivery now
        assertThat(remaining(w, "ip1", "google")).isEqualTo(10);
        send(w, "ip1", "google", 1);
        clock.advance(Duration.ofDays(1));
        assertThat(remaining(w, "ip1", "google")).isEqualTo(20);
        assertThat(remaining(w, "ip1", "yahoo")).as("the source's first delivery, not the group's").isEqualTo(20);
    }

    @Test
    void theNextDayIsTheNextUtcMidnight() throws Exception {
        Warmups w = Warmups.open(egress("ramp", null), SCHEDULES, new MemoryStore());
        assertThat(Instant.ofEpochMilli(w.nextDay(clock.millis()))).isEqualTo(Instant.parse("2026-12-07T00:00:00Z"));
        assertThat(Instant.ofEpochMilli(w.nextDay(Instant.parse("2026-12-06T23:59:59.999Z").toEpochMilli())))
                .isEqualTo(Instant.parse("2026-12-07T00:00:00Z"));
    }

    private static Warmups.Store storeOf(Spool spool) {
        return new Warmups.Store() {
            public Map<String, byte[]> read(String prefix) throws SpoolException {
                return spool.state().read(prefix);
            }

            public void write(Map<String, byte[]> entries) throws SpoolException {
                spool.state().putAll(entries);
            }
        };
    }

    @Test
    void aRestartWithTheSameSpoolKeepsTheDayAndTodaysCount(@TempDir Path dir) throws Exception {
        try (Spool spool = Spool.open(dir, 0)) {
            Warmups w = Warmups.open(egress("ramp", null), SCHEDULES, storeOf(spool)).start();
            send(w, "ip1", "google", 10);
            clock.advance(Duration.ofDays(1));
            send(w, "ip1", "google", 7); // day 2: 7 of 20
            w.close();
        }
        try (Spool spool = Spool.open(dir, 0)) {
            Warmups w = Warmups.open(egress("ramp", null), SCHEDULES, storeOf(spool)).start();
            assertThat(remaining(w, "ip1", "google")).isEqualTo(13);
            assertThat(w.views(clock.millis())).containsExactly(new WarmupView("ip1", "google", "ramp", 2, 3, 7, 20,
                    "2026-12-08"));
            w.close();
        }
    }

    @Test
    void countsAreSavedWithinAboutASecondWithoutAClose(@TempDir Path dir) throws Exception {
        try (Spool spool = Spool.open(dir, 0)) {
            Warmups w = Warmups.open(egress("ramp", null), SCHEDULES, storeOf(spool)).start();
            send(w, "ip1", "google", 4);
            // no close: what a crash leaves is what the saving thread wrote
            Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                    new String(spool.state().read("warmup/ip1/google").getOrDefault("warmup/ip1/google", new byte[0]),
                            StandardCharsets.UTF_8)).isEqualTo("day=1;date=2026-12-06;sent=4"));
            assertThat(spool.state().read("warmup/")).containsKey("warmup/ip1");
            Warmups after = Warmups.open(egress("ramp", null), SCHEDULES, storeOf(spool));
            assertThat(remaining(after, "ip1", "google")).isEqualTo(6);
            w.close();
        }
    }

    @Test
    void unreadableSavedStateStartsThatGroupAtDayOneAndTheRestIsKept() throws Exception {
        MemoryStore store = new MemoryStore();
        store.write(Map.of("warmup/ip1/google", "day=two".getBytes(StandardCharsets.UTF_8),
                "warmup/ip1/*", "day=2;date=2026-12-06;sent=5".getBytes(StandardCharsets.UTF_8)));
        Warmups w = Warmups.open(egress("ramp", null), SCHEDULES, store);
        assertThat(remaining(w, "ip1", "google")).isEqualTo(10);
        assertThat(remaining(w, "ip1", "*")).isEqualTo(15);
    }

    @Test
    void aFailedSaveIsKeptAndWrittenByTheNextOne() throws Exception {
        MemoryStore ok = new MemoryStore();
        boolean[] failing = {true};
        Warmups.Store flaky = new Warmups.Store() {
            public Map<String, byte[]> read(String prefix) {
                return ok.read(prefix);
            }

            public void write(Map<String, byte[]> entries) throws SpoolException {
                if (failing[0]) throw new SpoolException("disk full");
                ok.write(entries);
            }
        };
        Warmups w = Warmups.open(egress("ramp", null), SCHEDULES, flaky);
        send(w, "ip1", "google", 3);
        w.flush();
        assertThat(ok.saved).isEmpty();
        failing[0] = false;
        w.flush();
        assertThat(new String(ok.saved.get("warmup/ip1/google"), StandardCharsets.UTF_8))
                .isEqualTo("day=1;date=2026-12-06;sent=3");
    }
}
