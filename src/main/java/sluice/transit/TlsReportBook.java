package sluice.transit;

import java.io.IOException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The counts TLS reports are made from (RFC 8460 4.4): per UTC day and policy domain, sessions by policy and failures
 * by result type, addresses and MX host. {@link #record} only touches in-memory counters (a delivery never waits on
 * disk); {@link #flush} saves what changed to the {@link Store} (the spool's state family in a node, one synced batch)
 * so a restart keeps the day. A crash loses at most the attempts since the last flush (a minute; reports are
 * statistics, and a synced write per attempt would cost every delivery a disk sync).
 *
 * <p>Every map here is keyed by what remote parties choose (domains, MX names, addresses, error texts), so each has a
 * cap; what does not fit is counted and said in the log once a day, never kept.
 */
public final class TlsReportBook implements TlsReportSink {
    private static final Logger log = LoggerFactory.getLogger(TlsReportBook.class);
    static final String PREFIX = "tlsrpt/";

    /** Where the counts are kept across restarts. */
    public interface Store {
        /** Every entry whose key starts with {@code prefix}. */
        Map<String, byte[]> read(String prefix) throws IOException;

        /** Stores the entries durably, all or none. */
        void write(Map<String, byte[]> entries) throws IOException;

        void remove(Collection<String> keys) throws IOException;
    }

    /** How much the book holds at most. */
    public record Limits(int domainDays, int policiesPerDomain, int detailsPerPolicy) {
        public static Limits defaults() {
            return new Limits(20_000, 32, 100);
        }
    }

    /** A report's subject: one policy domain on one UTC day. */
    public record Key(LocalDate day, String domain) {
        String storeKey() {
            return PREFIX + day + "/" + domain;
        }
    }

    record PolicyKey(String type, List<String> strings, String mxHost) {}

    record FailureKey(ResultType type, String sendingIp, String receivingIp, String mxHost, String reason) {}

    static final class PolicyTally {
        final LongAdder successes = new LongAdder();
        final LongAdder failures = new LongAdder();
        final ConcurrentHashMap<FailureKey, LongAdder> details = new ConcurrentHashMap<>();
    }

    static final class DomainDay {
        final ConcurrentHashMap<PolicyKey, PolicyTally> policies = new ConcurrentHashMap<>();
        final AtomicBoolean dirty = new AtomicBoolean();
    }

    private final Store store;
    private final Clock clock;
    private final Limits limits;
    private final ConcurrentHashMap<Key, DomainDay> days = new ConcurrentHashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong loggedDropDay = new AtomicLong(Long.MIN_VALUE);
    private boolean saveFailing; // under flush's monitor

    private TlsReportBook(Store store, Clock clock, Limits limits) {
        this.store = store;
        this.clock = clock;
        this.limits = limits;
    }

    /** A book holding what {@code store} kept; an entry that cannot be read is said in the log and left out. */
    public static TlsReportBook open(Store store, Clock clock, Limits limits) throws IOException {
        TlsReportBook book = new TlsReportBook(store, clock, limits);
        for (Map.Entry<String, byte[]> e : store.read(PREFIX).entrySet()) {
            try {
                book.restore(DayCodec.decode(e.getValue()));
            } catch (IllegalArgumentException ex) {
                log.warn("tls reports: stored counts {} are unreadable ({}); left out", e.getKey(), ex.getMessage());
            }
        }
        return book;
    }

    @Override
    public void record(TlsAttempt a) {
        try {
            String domain = Clean.domain(a.policyDomain());
            if (domain == null || !knownType(a.policyType())) return;
            Key key = new Key(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC), domain);
            DomainDay day = days.get(key);
            if (day == null) {
                if (days.size() >= limits.domainDays()) {
                    drop("more than " + limits.domainDays() + " domain-days");
                    return;
                }
                day = days.computeIfAbsent(key, k -> new DomainDay());
            }
            PolicyTally p = policy(day, a);
            if (p == null) return;
            if (a.success()) {
                p.successes.increment();
            } else {
                p.failures.increment();
                FailureKey fk = new FailureKey(a.failure(), Clean.ip(a.sendingIp()), Clean.ip(a.receivingIp()),
                        Clean.domain(a.mxHost()), Clean.text(a.detail(), 200));
                LongAdder n = p.details.get(fk);
                if (n == null && p.details.size() >= limits.detailsPerPolicy()) {
                    drop("more than " + limits.detailsPerPolicy() + " kinds of failure under one policy of " + domain);
                } else {
                    (n == null ? p.details.computeIfAbsent(fk, k -> new LongAdder()) : n).increment();
                }
            }
            day.dirty.set(true);
        } catch (RuntimeException e) {
            // an attempt the book cannot count must never fail the delivery that tells it
            log.warn("tls reports: attempt not counted: {}", e.toString());
        }
    }

    private PolicyTally policy(DomainDay day, TlsAttempt a) {
        String type = a.policyType();
        List<String> strings = a.policyStrings().stream().limit(64).map(s -> Clean.text(s, 1000)).toList();
        String mx = type.equals("sts") ? "" : String.valueOf(Clean.domain(a.mxHost()));
        PolicyKey key = new PolicyKey(type, strings, mx);
        PolicyTally p = day.policies.get(key);
        if (p != null) return p;
        if (day.policies.size() >= limits.policiesPerDomain()) {
            drop("more than " + limits.policiesPerDomain() + " policies for " + Clean.domain(a.policyDomain()));
            return null;
        }
        return day.policies.computeIfAbsent(key, k -> new PolicyTally());
    }

    private static boolean knownType(String type) {
        if (type != null) {
            switch (type) {
                case "sts", "tlsa", "no-policy-found" -> {
                    return true;
                }
                default -> { }
            }
        }
        log.warn("tls reports: attempt with an unknown policy type {} not counted", Clean.text(type, 40));
        return false;
    }

    private void drop(String why) {
        dropped.incrementAndGet();
        long today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).toEpochDay();
        long last = loggedDropDay.get();
        if (last != today && loggedDropDay.compareAndSet(last, today)) {
            log.warn("tls reports: {}: further attempts of that kind are not counted (said once a day; total not"
                    + " counted so far: sluice_tls_report_attempts_dropped_total)", why);
        }
    }

    /** Attempts not counted because a cap was reached, since start. */
    public long dropped() {
        return dropped.get();
    }

    /** The days and domains with counts, oldest first. */
    public List<Key> keys() {
        List<Key> out = new ArrayList<>(days.keySet());
        out.sort(Comparator.comparing(Key::day).thenComparing(Key::domain));
        return out;
    }

    /** The counts of one domain-day, or null when there are none. */
    public DayCounts counts(Key key) {
        DomainDay d = days.get(key);
        return d == null ? null : snapshot(key, d);
    }

    private static DayCounts snapshot(Key key, DomainDay d) {
        List<DayCounts.Policy> policies = new ArrayList<>();
        for (Map.Entry<PolicyKey, PolicyTally> e : d.policies.entrySet()) {
            PolicyKey k = e.getKey();
            List<DayCounts.Failure> failures = new ArrayList<>();
            e.getValue().details.forEach((f, n) -> failures.add(new DayCounts.Failure(f.type(), f.sendingIp(),
                    f.receivingIp(), f.mxHost(), f.reason(), n.sum())));
            failures.sort(Comparator.comparing((DayCounts.Failure f) -> f.type().text())
                    .thenComparing(f -> String.valueOf(f.mxHost())).thenComparing(f -> String.valueOf(f.receivingIp())));
            policies.add(new DayCounts.Policy(k.type(), k.strings(), k.mxHost(), e.getValue().successes.sum(),
                    e.getValue().failures.sum(), failures));
        }
        policies.sort(Comparator.comparing(DayCounts.Policy::type).thenComparing(DayCounts.Policy::mxHost)
                .thenComparing(p -> String.join("\n", p.strings())));
        return new DayCounts(key.day(), key.domain(), policies);
    }

    private void restore(DayCounts c) {
        DomainDay d = days.computeIfAbsent(new Key(c.day(), c.domain()), k -> new DomainDay());
        for (DayCounts.Policy p : c.policies()) {
            PolicyTally t = d.policies.computeIfAbsent(new PolicyKey(p.type(), p.strings(), p.mxHost()), k -> new PolicyTally());
            t.successes.add(p.successes());
            t.failures.add(p.failures());
            for (DayCounts.Failure f : p.details()) {
                t.details.computeIfAbsent(new FailureKey(f.type(), f.sendingIp(), f.receivingIp(), f.mxHost(), f.reason()),
                        k -> new LongAdder()).add(f.count());
            }
        }
    }

    /** Saves the domain-days that changed since the last save; on failure they stay to save and it is said once. */
    public synchronized void flush() {
        Map<String, byte[]> batch = new LinkedHashMap<>();
        List<DomainDay> taken = new ArrayList<>();
        for (Map.Entry<Key, DomainDay> e : days.entrySet()) {
            if (!e.getValue().dirty.getAndSet(false)) continue;
            taken.add(e.getValue());
            batch.put(e.getKey().storeKey(), DayCodec.encode(snapshot(e.getKey(), e.getValue())));
        }
        if (batch.isEmpty()) return;
        try {
            store.write(batch);
            if (saveFailing) log.info("tls reports: counts are saved again");
            saveFailing = false;
        } catch (IOException | RuntimeException e) {
            taken.forEach(d -> d.dirty.set(true));
            if (!saveFailing) {
                log.error("tls reports: counts cannot be saved ({}); kept in memory and saved once the spool takes"
                        + " writes again", e.getMessage());
            }
            saveFailing = true;
        }
    }

    /** Forgets a domain-day whose report is done with (sent, not asked for, or given up on). */
    public synchronized void forget(Key key) throws IOException {
        days.remove(key);
        store.remove(List.of(key.storeKey()));
    }

    /** Text from a delivery attempt made fit for a report: printable ASCII, bounded. */
    static final class Clean {
        private Clean() {}

        static String domain(String s) {
            if (s == null) return null;
            String d = s.strip().toLowerCase(Locale.ROOT);
            if (d.endsWith(".")) d = d.substring(0, d.length() - 1);
            if (d.isEmpty() || d.length() > 253) return null;
            for (int i = 0; i < d.length(); i++) {
                char c = d.charAt(i);
                if (c <= ' ' || c >= 127 || c == '/') return null;
            }
            return d;
        }

        static String ip(String s) {
            if (s == null || s.isEmpty() || s.length() > 45) return null;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (!(Character.digit(c, 16) >= 0 || c == '.' || c == ':')) return null;
            }
            return s;
        }

        static String text(String s, int max) {
            if (s == null) return null;
            StringBuilder b = new StringBuilder(Math.min(s.length(), max));
            for (int i = 0; i < s.length() && b.length() < max; i++) {
                char c = s.charAt(i);
                b.append(c >= ' ' && c < 127 ? c : '?');
            }
            return b.toString();
        }
    }
}
