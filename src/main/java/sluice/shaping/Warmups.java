package sluice.shaping;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.config.EgressConfig;
import sluice.config.ShapingConfig;
import sluice.spool.SpoolException;

/**
 * The in-process {@link WarmupLedger}: per (warming source, destination group) the day of its schedule, the UTC date
 * of that day and the messages admitted on it. Days are UTC calendar dates of the clock the caller reads.
 *
 * <p>With {@code advance = "used"} a group's day advances at the first look on a later date, and only when the
 * previous day used at least 80% of its cap: an idle or light day (a weekend) does not rush the ramp. With
 * {@code "calendar"} the day is the number of dates since {@code warmup_start} (else since the source's first
 * delivery). Before {@code warmup_start} a source sends at day 1's cap and those days do not advance the ramp.
 * After the last day there is no cap, said once in the log per group.
 *
 * <p>Counts are kept in memory and saved to the {@link Store} (the spool's "state" family) once a second by a
 * thread of their own and at close, never by the thread admitting a message: a crash (not a clean stop) may
 * lose up to about a second of counts, so a source may send that much over its cap on the day of a crash.
 */
public final class Warmups implements WarmupLedger, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Warmups.class);
    static final long DAY_MILLIS = 86_400_000L;
    static final String PREFIX = "warmup/";
    private static final long FLUSH_MILLIS = 1000;

    /** Where the counters are kept across restarts (the spool's "state" column family in a node). */
    public interface Store {
        /** Every entry whose key starts with {@code prefix}. */
        Map<String, byte[]> read(String prefix) throws SpoolException;

        /** Stores the entries durably, all or none. */
        void write(Map<String, byte[]> entries) throws SpoolException;
    }

    /** A warming source's schedule: caps per day, how days advance, and the epoch day of its start (or null). */
    private record Plan(String schedule, List<Integer> daily, boolean calendar, Long startDay) {
        long cap(int index) {
            return index < daily.size() ? daily.get(index) : Long.MAX_VALUE;
        }

        /** Whether a day counts towards the ramp (days before warmup_start do not). */
        boolean counts(long day) {
            return startDay == null || day >= startDay;
        }
    }

    /** One source's day for one group; guarded by its own monitor (no I/O is done under it). */
    private static final class Tally {
        final String source;
        final String group;
        int index;   // 0-based day of the schedule; daily.size() and above: warm-up is over
        long day;    // epoch day (UTC) the count belongs to
        long sent;
        boolean dirty;

        Tally(String source, String group, int index, long day, long sent) {
            this.source = source;
            this.group = group;
            this.index = index;
            this.day = day;
            this.sent = sent;
        }
    }

    private final Map<String, Plan> plans;
    private final Store store;
    private final ConcurrentHashMap<String, Tally> tallies = new ConcurrentHashMap<>();
    /** A source's first delivery while warming (epoch day): day 1 of a "calendar" schedule without warmup_start. */
    private final ConcurrentHashMap<String, Long> firstDay = new ConcurrentHashMap<>();
    private final Set<String> unsavedFirstDays = ConcurrentHashMap.newKeySet();
    private volatile Thread flusher;
    private boolean saveFailing; // under flush's monitor

    private Warmups(Map<String, Plan> plans, Store store) {
        this.plans = plans;
        this.store = store;
    }

    /**
     * The ledger of the sources of {@code egress} that name a schedule of {@code schedules}, with the counters
     * {@code store} kept from earlier runs. Call {@link #start()} to save counts as they change.
     */
    public static Warmups open(EgressConfig egress, Map<String, ShapingConfig.Warmup> schedules, Store store)
            throws SpoolException {
        Map<String, Plan> plans = new HashMap<>();
        for (EgressConfig.Source s : egress.sources()) {
            ShapingConfig.Warmup w = s.warmup() == null ? null : schedules.get(s.warmup());
            if (w == null) continue; // an established source (config checked the schedule exists)
            Long start = s.warmupStart() == null ? null : LocalDate.parse(s.warmupStart()).toEpochDay();
            plans.put(s.name(), new Plan(w.name(), w.daily(), "calendar".equals(w.advance()), start));
        }
        Warmups ledger = new Warmups(Map.copyOf(plans), store);
        ledger.load(store.read(PREFIX));
        for (var e : new java.util.TreeMap<>(plans).entrySet()) {
            Plan p = e.getValue();
            log.info("warm-up: source {} follows schedule {} ({} days, advance {}{}); {} group(s) under way",
                    e.getKey(), p.schedule(), p.daily().size(), p.calendar() ? "calendar" : "used",
                    p.startDay() == null ? "" : ", from " + LocalDate.ofEpochDay(p.startDay()),
                    ledger.tallies.values().stream().filter(t -> t.source.equals(e.getKey())).count());
        }
        return ledger;
    }

    private void load(Map<String, byte[]> saved) {
        for (var e : saved.entrySet()) {
            String rest = e.getKey().substring(PREFIX.length());
            String value = new String(e.getValue(), StandardCharsets.UTF_8);
            int slash = rest.indexOf('/');
            try {
                if (slash < 0) {
                    firstDay.put(rest, LocalDate.parse(value).toEpochDay());
                } else {
                    Tally t = decode(rest.substring(0, slash), rest.substring(slash + 1), value);
                    tallies.put(rest, t);
                }
            } catch (RuntimeException ex) {
                // Starting that group over at day 1 is the cautious repair; it is said, not silent.
                log.error("warm-up: saved state {} = \"{}\" cannot be read ({}); that source starts that group at day 1"
                        + " again", e.getKey(), value, ex.getMessage());
            }
        }
    }

    /** Starts the thread that saves changed counts once a second. */
    public Warmups start() {
        flusher = Thread.ofPlatform().name("warmup-ledger").daemon(true).start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(FLUSH_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    flush();
                } catch (RuntimeException e) {
                    log.error("warm-up: saving counters: {}", e.toString(), e);
                }
            }
        });
        return this;
    }

    @Override
    public long remaining(String source, String group, long nowMillis) {
        Plan p = plans.get(source);
        if (p == null) return Long.MAX_VALUE;
        long today = Math.floorDiv(nowMillis, DAY_MILLIS);
        Tally t = tallies.get(source + "/" + group);
        if (t == null) { // never sent to this group: its first day, without making state for a mere question
            return p.cap(initialIndex(p, source, today));
        }
        synchronized (t) {
            roll(t, p, today);
            long cap = p.cap(t.index);
            return cap == Long.MAX_VALUE ? cap : Math.max(0, cap - t.sent);
        }
    }

    @Override
    public void count(String source, String group, long nowMillis) {
        Plan p = plans.get(source);
        if (p == null) return;
        long today = Math.floorDiv(nowMillis, DAY_MILLIS);
        if (firstDay.putIfAbsent(source, today) == null) unsavedFirstDays.add(source);
        Tally t = tallies.computeIfAbsent(source + "/" + group,
                k -> new Tally(source, group, initialIndex(p, source, today), today, 0));
        synchronized (t) {
            roll(t, p, today);
            t.sent++;
            t.dirty = true;
        }
    }

    @Override
    public void refund(String source, String group, long nowMillis) {
        Plan p = plans.get(source);
        Tally t = p == null ? null : tallies.get(source + "/" + group);
        if (t == null) return;
        synchronized (t) {
            roll(t, p, Math.floorDiv(nowMillis, DAY_MILLIS));
            if (t.sent == 0) return; // counted on a day that has ended since: that day is over
            t.sent--;
            t.dirty = true;
        }
    }

    /**
     * A warming source's schedule, for a ledger that shares the day and count with other nodes: caps per day,
     * whether days advance by the calendar, and the epoch day of {@code warmup_start} (or null).
     */
    public record Schedule(List<Integer> daily, boolean calendar, Long startDay) {
        /** The cap of day {@code index} (0-based); {@code Long.MAX_VALUE} after the schedule. */
        public long cap(int index) {
            return index < daily.size() ? daily.get(index) : Long.MAX_VALUE;
        }
    }

    /** {@code source}'s schedule, or null when it is not warming. */
    public Schedule schedule(String source) {
        Plan p = plans.get(source);
        return p == null ? null : new Schedule(p.daily(), p.calendar(), p.startDay());
    }

    /**
     * What this ledger holds for {@code source} and {@code group}: {day index (0-based), epoch day, sent, epoch day of
     * the source's first delivery or -1}, or null when it holds nothing. A shared ledger uses it to set the fleet's
     * state again when Redis lost it.
     */
    public long[] saved(String source, String group) {
        Tally t = tallies.get(source + "/" + group);
        if (t == null) return null;
        Long first = firstDay.get(source);
        synchronized (t) {
            return new long[]{t.index, t.day, t.sent, first == null ? -1 : first};
        }
    }

    /**
     * Takes the fleet's state for {@code source} and {@code group} (its day index, epoch day and the fleet's count),
     * so that the views show the fleet and the spool keeps it across restarts.
     */
    public void adopt(String source, String group, int index, long day, long sent, long firstDelivery) {
        if (!plans.containsKey(source)) return;
        if (firstDelivery >= 0 && firstDay.putIfAbsent(source, firstDelivery) == null) unsavedFirstDays.add(source);
        Tally t = tallies.computeIfAbsent(source + "/" + group, k -> new Tally(source, group, index, day, sent));
        synchronized (t) {
            if (t.index == index && t.day == day && t.sent == sent) return;
            t.index = index;
            t.day = day;
            t.sent = sent;
            t.dirty = true;
        }
    }

    @Override
    public long nextDay(long nowMillis) {
        return (Math.floorDiv(nowMillis, DAY_MILLIS) + 1) * DAY_MILLIS;
    }

    @Override
    public List<WarmupView> views(long nowMillis) {
        long today = Math.floorDiv(nowMillis, DAY_MILLIS);
        List<WarmupView> out = new ArrayList<>();
        for (Tally t : tallies.values()) {
            Plan p = plans.get(t.source);
            if (p == null) continue; // no longer warming (its schedule was removed from the config)
            synchronized (t) {
                roll(t, p, today);
                int n = p.daily().size();
                if (t.index >= n) continue; // warm-up is over for this group: no cap to show
                long base = p.startDay() != null && today < p.startDay() ? p.startDay() : today;
                out.add(new WarmupView(t.source, t.group, p.schedule(), t.index + 1, n, t.sent, p.cap(t.index),
                        LocalDate.ofEpochDay(base + n - 1 - t.index).toString()));
            }
        }
        out.sort(Comparator.comparing(WarmupView::source).thenComparing(WarmupView::group));
        return out;
    }

    private int initialIndex(Plan p, String source, long today) {
        return p.calendar() ? calendarIndex(p, source, today) : 0;
    }

    private int calendarIndex(Plan p, String source, long today) {
        Long start = p.startDay() != null ? p.startDay() : firstDay.get(source);
        if (start == null) return 0;
        return (int) Math.clamp(today - start, 0, p.daily().size());
    }

    /** Moves a tally to {@code today}: the day of the schedule advances as its rule says, the count starts over. */
    private void roll(Tally t, Plan p, long today) {
        if (today <= t.day) return; // the same day (or the clock went back: keep counting on the saved day)
        int n = p.daily().size();
        int before = t.index;
        if (p.calendar()) {
            t.index = calendarIndex(p, t.source, today);
        } else if (t.index < n && p.counts(t.day) && t.sent * 5 >= p.cap(t.index) * 4) {
            t.index++; // the last day used at least 80% of its cap
        }
        t.day = today;
        t.sent = 0;
        t.dirty = true;
        if (before < n && t.index >= n) {
            log.info("warm-up: source {} completed its {}-day schedule {} for {}: no daily cap from now on",
                    t.source, n, p.schedule(), t.group);
        }
    }

    /** Saves what changed since the last save; on failure it is kept and tried again (said once, and on recovery). */
    synchronized void flush() {
        Map<String, byte[]> batch = new LinkedHashMap<>();
        List<Tally> taken = new ArrayList<>();
        for (Tally t : tallies.values()) {
            synchronized (t) {
                if (!t.dirty) continue;
                t.dirty = false;
                batch.put(PREFIX + t.source + "/" + t.group, encode(t));
                taken.add(t);
            }
        }
        List<String> sources = new ArrayList<>(unsavedFirstDays);
        for (String s : sources) {
            unsavedFirstDays.remove(s);
            batch.put(PREFIX + s, LocalDate.ofEpochDay(firstDay.get(s)).toString().getBytes(StandardCharsets.UTF_8));
        }
        if (batch.isEmpty()) return;
        try {
            store.write(batch);
            if (saveFailing) log.info("warm-up: counters are saved again");
            saveFailing = false;
        } catch (SpoolException | RuntimeException e) {
            for (Tally t : taken) {
                synchronized (t) {
                    t.dirty = true;
                }
            }
            unsavedFirstDays.addAll(sources);
            if (!saveFailing) {
                log.error("warm-up: counters cannot be saved ({}); they are kept in memory and saved once the spool"
                        + " takes writes again (a restart before then forgets today's counts)", e.getMessage());
            }
            saveFailing = true;
        }
    }

    private static byte[] encode(Tally t) {
        return ("day=" + (t.index + 1) + ";date=" + LocalDate.ofEpochDay(t.day) + ";sent=" + t.sent)
                .getBytes(StandardCharsets.UTF_8);
    }

    private static Tally decode(String source, String group, String value) {
        Map<String, String> f = new HashMap<>();
        for (String part : value.split(";")) {
            int eq = part.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("no '=' in \"" + part + "\"");
            f.put(part.substring(0, eq), part.substring(eq + 1));
        }
        int day = Integer.parseInt(require(f, "day"));
        long sent = Long.parseLong(require(f, "sent"));
        if (day < 1 || sent < 0) throw new IllegalArgumentException("day or sent out of range");
        return new Tally(source, group, day - 1, LocalDate.parse(require(f, "date")).toEpochDay(), sent);
    }

    private static String require(Map<String, String> f, String key) {
        String v = f.get(key);
        if (v == null) throw new IllegalArgumentException("no " + key);
        return v;
    }

    /** Stops the saving thread and saves what is left. */
    @Override
    public void close() {
        Thread t = flusher;
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        flush();
    }
}
