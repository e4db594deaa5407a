package sluice.observe;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Rolling statistics for {@code /api/v1/stats} and the dashboard: per-minute buckets over the last 24 hours
 * (received, delivered, deferred, bounced, expired, rejected, remote replies by class and code, per-listener
 * traffic and TLS share, delivery latency), summed into 5-minute, 1-hour and 24-hour windows; and the most recent
 * mail events for the live feed. Rebuilt from the delivery log at start-up, so a restart keeps the picture.
 */
public final class Stats implements EventSink {
    static final int MINUTES = 24 * 60;
    private static final int RECENT = 2000;
    /** Latency histogram bounds in milliseconds (log scale), the last bucket open-ended. */
    static final long[] LATENCY_BOUNDS = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000,
            120_000, 300_000, 600_000};

    /** One event as the statistics need it, from a live event or a delivery-log line. */
    public record Sample(Instant ts, String event, String queueId, String sender, String recipient, int listener,
                         String tls, int code, String enhancedCode, String text, long durationMs, String remoteHost,
                         String bounceClass) {}

    private static final class Bucket {
        long minute = -1;
        final Map<String, Long> counts = new HashMap<>();          // event → n
        final Map<String, Long> replyClasses = new HashMap<>();    // 2xx/4xx/5xx → n
        final Map<String, Long> codes = new HashMap<>();           // "550 5.1.1" → n
        final Map<String, String> codeTexts = new HashMap<>();     // "550 5.1.1" → a sample text
        final Map<Integer, long[]> listeners = new HashMap<>();    // port → {received, tls}
        final Map<String, Long> bounceClasses = new HashMap<>();   // class → n (deferred, bounced, expired)
        final long[] latency = new long[LATENCY_BOUNDS.length + 1];

        void reset(long m) {
            minute = m;
            counts.clear();
            replyClasses.clear();
            codes.clear();
            codeTexts.clear();
            listeners.clear();
            bounceClasses.clear();
            java.util.Arrays.fill(latency, 0);
        }
    }

    private final Clock clock;
    private final Bucket[] buckets = new Bucket[MINUTES];
    private final Deque<Sample> recent = new ArrayDeque<>();

    public Stats(Clock clock) {
        this.clock = clock;
        for (int i = 0; i < MINUTES; i++) buckets[i] = new Bucket();
    }

    @Override
    public void publish(DeliveryEvent event) {
        Sample s = sample(event);
        if (s != null) add(s);
    }

    /** The sample for a mail event; null for events the statistics do not count. */
    static Sample sample(DeliveryEvent e) {
        return switch (e) {
            case DeliveryEvent.Received r -> new Sample(r.ts(), "received", r.queueId(), r.sender(),
                    r.recipients().size() == 1 ? r.recipients().get(0) : String.join(", ", r.recipients()), r.listener(),
                    r.tls(), 0, null, null, 0, null, null);
            case DeliveryEvent.Rejected r -> new Sample(r.ts(), "rejected", null, r.sender(), r.recipient(), r.listener(),
                    r.tls(), r.code(), r.enhancedCode(), r.text(), 0, null, null);
            case DeliveryEvent.Attempt a -> new Sample(a.ts(), a.event(), a.queueId(), a.sender(), a.recipient(), 0, a.tls(),
                    a.code(), a.enhancedCode(), a.text(), a.durationMs(), a.remoteHost(), a.bounceClass());
            case DeliveryEvent.QueueAction q -> new Sample(q.ts(), q.event(), q.queueId(), q.sender(), null, 0, null, 0,
                    null, q.text(), 0, null, null);
            default -> null;
        };
    }

    /** The sample for one delivery-log line (restoring at start-up); null when it is not a mail event. */
    public static Sample sample(JsonNode n) {
        String event = n.path("event").asText(null);
        String ts = n.path("ts").asText(null);
        if (event == null || ts == null) return null;
        Instant t;
        try {
            t = Instant.parse(ts);
        } catch (RuntimeException e) {
            return null;
        }
        String rcpt = n.has("recipient") ? n.path("recipient").asText() : null;
        if (rcpt == null && n.has("recipients")) {
            List<String> all = new ArrayList<>();
            n.path("recipients").forEach(x -> all.add(x.asText()));
            rcpt = String.join(", ", all);
        }
        return new Sample(t, event, text(n, "queue_id"), text(n, "sender"), rcpt, n.path("listener").asInt(),
                text(n, "tls"), n.path("code").asInt(), text(n, "enhanced_code"), text(n, "text"),
                n.path("duration_ms").asLong(), text(n, "remote_host"), text(n, "bounce_class"));
    }

    private static String text(JsonNode n, String f) {
        JsonNode v = n.get(f);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** Counts one sample (older than 24 hours: only the feed keeps it). */
    public synchronized void add(Sample s) {
        recent.addLast(s);
        if (recent.size() > RECENT) recent.removeFirst();
        long minute = s.ts().getEpochSecond() / 60;
        long now = clock.instant().getEpochSecond() / 60;
        if (minute <= now - MINUTES || minute > now + 1) return;
        Bucket b = buckets[(int) Math.floorMod(minute, (long) MINUTES)];
        if (b.minute != minute) b.reset(minute);
        b.counts.merge(s.event(), 1L, Long::sum);
        if (s.event().equals("received") && s.listener() > 0) {
            long[] l = b.listeners.computeIfAbsent(s.listener(), k -> new long[2]);
            l[0]++;
            if (s.tls() != null) l[1]++;
        }
        boolean remote = s.remoteHost() != null;
        if (remote && s.code() >= 200 && s.code() < 600) {
            b.replyClasses.merge(s.code() / 100 + "xx", 1L, Long::sum);
            String key = s.code() + (s.enhancedCode() == null ? "" : " " + s.enhancedCode());
            b.codes.merge(key, 1L, Long::sum);
            if (s.text() != null) b.codeTexts.put(key, s.text().length() > 200 ? s.text().substring(0, 200) : s.text());
        }
        if (s.event().equals("delivered")) b.latency[latencyBucket(s.durationMs())]++;
        if (countsTowardBounceRate(s.event(), s.remoteHost())) b.counts.merge("remote_" + s.event(), 1L, Long::sum);
        // Operator bounces and local failures are not the receivers' verdict: counted apart, not as bounce classes.
        if (s.event().equals("bounced") && !remote) b.counts.merge("local_bounced", 1L, Long::sum);
        else if (s.bounceClass() != null) b.bounceClasses.merge(s.bounceClass(), 1L, Long::sum);
    }

    /**
     * The bounce rate is what receiving servers think of our mail: only outcomes a remote server gave count (an
     * operator's {@code sluice queue bounce} or a local delivery failure does not). Stats, Alerts and the check all
     * ask this one rule.
     */
    public static boolean countsTowardBounceRate(String event, String remoteHost) {
        return remoteHost != null && (event.equals("delivered") || event.equals("bounced") || event.equals("expired"));
    }

    static int latencyBucket(long ms) {
        for (int i = 0; i < LATENCY_BOUNDS.length; i++) if (ms <= LATENCY_BOUNDS[i]) return i;
        return LATENCY_BOUNDS.length;
    }

    /** Counts and rates over the last {@code minutes}. */
    public synchronized Map<String, Object> window(int minutes) {
        long now = clock.instant().getEpochSecond() / 60;
        Map<String, Long> counts = new HashMap<>();
        Map<String, Long> classes = new HashMap<>();
        Map<String, Long> codes = new HashMap<>();
        Map<String, String> texts = new HashMap<>();
        Map<Integer, long[]> listeners = new HashMap<>();
        long[] latency = new long[LATENCY_BOUNDS.length + 1];
        Map<String, Long> bounceClasses = new java.util.TreeMap<>();
        for (long m = now - minutes + 1; m <= now; m++) {
            Bucket b = buckets[(int) Math.floorMod(m, (long) MINUTES)];
            if (b.minute != m) continue;
            b.counts.forEach((k, v) -> counts.merge(k, v, Long::sum));
            b.replyClasses.forEach((k, v) -> classes.merge(k, v, Long::sum));
            b.codes.forEach((k, v) -> codes.merge(k, v, Long::sum));
            texts.putAll(b.codeTexts);
            b.listeners.forEach((k, v) -> {
                long[] l = listeners.computeIfAbsent(k, x -> new long[2]);
                l[0] += v[0];
                l[1] += v[1];
            });
            for (int i = 0; i < latency.length; i++) latency[i] += b.latency[i];
            b.bounceClasses.forEach((k, v) -> bounceClasses.merge(k, v, Long::sum));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (String e : List.of("received", "delivered", "deferred", "bounced", "expired", "rejected")) {
            out.put(e, counts.getOrDefault(e, 0L));
        }
        out.put("bounce_rate", bounceRate(counts));
        out.put("local_bounced", counts.getOrDefault("local_bounced", 0L));
        Map<String, Object> replyClasses = new LinkedHashMap<>();
        for (String c : List.of("2xx", "4xx", "5xx")) replyClasses.put(c, classes.getOrDefault(c, 0L));
        out.put("replies", replyClasses);
        List<Map<String, Object>> top = new ArrayList<>();
        codes.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                        .thenComparing(Map.Entry.comparingByKey())).limit(20)
                .forEach(e -> {
                    Map<String, Object> c = new LinkedHashMap<>();
                    c.put("code", e.getKey());
                    c.put("count", e.getValue());
                    c.put("text", texts.get(e.getKey()));
                    top.add(c);
                });
        out.put("codes", top);
        Map<String, Object> perListener = new java.util.TreeMap<>();
        listeners.forEach((port, v) -> {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("received", v[0]);
            l.put("tls", v[1]);
            l.put("tls_share", v[0] == 0 ? 0.0 : round((double) v[1] / v[0]));
            perListener.put(Integer.toString(port), l);
        });
        out.put("listeners", perListener);
        out.put("latency_ms", percentiles(latency));
        out.put("bounce_classes", bounceClasses);
        return out;
    }

    /**
     * Failed / (delivered + failed), failed = bounced + expired, remote outcomes only ({@link #countsTowardBounceRate});
     * 0 when nothing was attempted to the end.
     */
    static double bounceRate(Map<String, Long> counts) {
        long failed = counts.getOrDefault("remote_bounced", 0L) + counts.getOrDefault("remote_expired", 0L);
        long done = failed + counts.getOrDefault("remote_delivered", 0L);
        return done == 0 ? 0.0 : round((double) failed / done);
    }

    public synchronized double bounceRate(int minutes) {
        return (double) window(minutes).get("bounce_rate");
    }

    /** Remote deliveries to the end (delivered + bounced + expired) in the last {@code minutes}: the bounce rate's base. */
    public synchronized long completed(int minutes) {
        long now = clock.instant().getEpochSecond() / 60;
        long n = 0;
        for (long m = now - minutes + 1; m <= now; m++) {
            Bucket b = buckets[(int) Math.floorMod(m, (long) MINUTES)];
            if (b.minute != m) continue;
            for (String e : List.of("remote_delivered", "remote_bounced", "remote_expired")) n += b.counts.getOrDefault(e, 0L);
        }
        return n;
    }

    private static Map<String, Object> percentiles(long[] hist) {
        long total = 0;
        for (long h : hist) total += h;
        Map<String, Object> out = new LinkedHashMap<>();
        for (double p : new double[] {0.5, 0.9, 0.99}) {
            String key = "p" + (int) Math.round(p * 100);
            if (total == 0) {
                out.put(key, null);
                continue;
            }
            long rank = (long) Math.ceil(p * total);
            long seen = 0;
            for (int i = 0; i < hist.length; i++) {
                seen += hist[i];
                if (seen >= rank) {
                    out.put(key, i < LATENCY_BOUNDS.length ? LATENCY_BOUNDS[i] : null); // upper bound of the bucket
                    break;
                }
            }
        }
        return out;
    }

    /** Per-interval points for the charts: {@code points} intervals of {@code minutesEach} ending now. */
    public synchronized List<Map<String, Object>> series(int points, int minutesEach) {
        long now = clock.instant().getEpochSecond() / 60;
        long first = now - (long) points * minutesEach + 1;
        List<Map<String, Object>> out = new ArrayList<>(points);
        for (int p = 0; p < points; p++) {
            long start = first + (long) p * minutesEach;
            Map<String, Long> counts = new HashMap<>();
            for (long m = start; m < start + minutesEach; m++) {
                Bucket b = buckets[(int) Math.floorMod(m, (long) MINUTES)];
                if (b.minute == m) b.counts.forEach((k, v) -> counts.merge(k, v, Long::sum));
            }
            Map<String, Object> pt = new LinkedHashMap<>();
            pt.put("t", Instant.ofEpochSecond(start * 60).toString());
            for (String e : List.of("received", "delivered", "deferred", "bounced", "expired", "remote_delivered",
                    "remote_bounced", "remote_expired")) {
                pt.put(e, counts.getOrDefault(e, 0L));
            }
            out.add(pt);
        }
        return out;
    }

    /**
     * The most recent events, newest first, optionally only those whose queue id, sender, recipient, code or text
     * contains {@code query} (case-insensitive).
     */
    public synchronized List<Map<String, Object>> recent(String query, int limit) {
        String q = query == null || query.isBlank() ? null : query.toLowerCase(Locale.ROOT);
        List<Map<String, Object>> out = new ArrayList<>();
        var it = recent.descendingIterator();
        while (it.hasNext() && out.size() < limit) {
            Sample s = it.next();
            if (q != null && !matches(s, q)) continue;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ts", s.ts().toString());
            m.put("event", s.event());
            m.put("queue_id", s.queueId());
            m.put("sender", s.sender());
            m.put("recipient", s.recipient());
            if (s.listener() > 0) m.put("listener", s.listener());
            m.put("remote_host", s.remoteHost());
            m.put("tls", s.tls());
            m.put("code", s.code() == 0 ? null : s.code());
            m.put("enhanced_code", s.enhancedCode());
            m.put("text", s.text());
            m.put("bounce_class", s.bounceClass());
            out.add(m);
        }
        return out;
    }

    private static boolean matches(Sample s, String q) {
        for (String f : new String[] {s.queueId(), s.sender(), s.recipient(), s.text(), s.enhancedCode(), s.event(),
                s.remoteHost(), s.code() == 0 ? null : Integer.toString(s.code()), s.bounceClass()}) {
            if (f != null && f.toLowerCase(Locale.ROOT).contains(q)) return true;
        }
        return false;
    }

    private static double round(double d) {
        return Math.round(d * 10_000) / 10_000.0;
    }

    /**
     * Re-counts the last 24 hours from the delivery log (the current file and the rotated ones), and fills the
     * feed, so a restart keeps the picture. Returns the number of events counted.
     */
    public int restore(java.nio.file.Path deliveryLog) throws java.io.IOException {
        Instant since = clock.instant().minusSeconds(MINUTES * 60L);
        int[] n = {0};
        DeliveryLogReader.read(deliveryLog, since, node -> {
            Sample s = sample(node);
            if (s == null || s.ts().isBefore(since)) return;
            add(s);
            n[0]++;
        });
        return n[0];
    }

    /** Sorted by time, for restoring: samples from several log files may interleave. */
    public static final Comparator<Sample> BY_TIME = Comparator.comparing(Sample::ts);
}
