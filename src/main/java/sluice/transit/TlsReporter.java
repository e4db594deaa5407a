package sluice.transit;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.dns.TxtAnswer;

/**
 * Sends the daily TLS reports (RFC 8460 5): once a UTC day has ended and a random delay of up to
 * {@link Settings#maxJitter} has passed (RFC 8460 5.1 asks submitters to spread their reports), each domain with counts
 * that publishes {@code _smtp._tls} gets its report at every rua: {@code mailto:} through Sluice's own queue,
 * {@code https:} by POST. A destination that fails is tried again {@link Settings#retryDelay} later (growing), up to
 * {@link Settings#maxAttempts} times; each failure and the giving up are logged. A domain-day is forgotten once sent,
 * given up, or when the domain asks for no reports.
 */
public final class TlsReporter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TlsReporter.class);

    /**
     * Queues a report message for {@code to} through the one door into the queue, from the null sender (a report
     * that cannot be delivered is not bounced; its failure is in the delivery log), DKIM-signed like other local mail.
     */
    @FunctionalInterface
    public interface Mailer {
        void send(String to, String messageId, byte[] message) throws IOException;
    }

    /** POSTs a gzip'd report to an https URL. */
    @FunctionalInterface
    public interface Poster {
        void post(URI url, byte[] gzip) throws IOException;
    }

    /**
     * @param hostname the submitter: organization-name, TLS-Report-Submitter, and the domain of From and contact-info
     */
    public record Settings(String hostname, Duration maxJitter, Duration retryDelay, int maxAttempts, Duration tick) {
        public static Settings defaults(String hostname) {
            return new Settings(hostname, Duration.ofMinutes(60), Duration.ofMinutes(30), 5, Duration.ofMinutes(1));
        }

        String from() {
            return "noreply-tls-reports@" + hostname;
        }
    }

    /** A domain-day on its way: when it is next due, its report-id, and the destinations not yet served. */
    private static final class Pending {
        Instant due;
        String reportId;
        List<TlsRptRecord.Destination> left; // null until the record was read
        int attempts;

        Pending(Instant due) {
            this.due = due;
        }
    }

    private final TlsReportBook book;
    private final Function<String, TxtAnswer> txt;
    private final Mailer mailer;
    private final Poster poster;
    private final Settings settings;
    private final Clock clock;
    private final RandomGenerator random;
    private final Map<TlsReportBook.Key, Pending> pending = new HashMap<>(); // under this's monitor
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile Thread thread;

    /** @param txt TXT lookups through Sluice's resolver ({@code resolver::txt}) */
    public TlsReporter(TlsReportBook book, Function<String, TxtAnswer> txt, Mailer mailer, Poster poster,
                       Settings settings, Clock clock, RandomGenerator random) {
        this.book = book;
        this.txt = txt;
        this.mailer = mailer;
        this.poster = poster;
        this.settings = settings;
        this.clock = clock;
        this.random = random;
    }

    /** Runs {@link #tick} every {@link Settings#tick} on a thread of its own until {@link #close}. */
    public TlsReporter start() {
        thread = Thread.ofPlatform().name("tls-reports").daemon(true).start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(settings.tick());
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    tick();
                } catch (RuntimeException e) {
                    log.error("tls reports: {}", e.toString(), e);
                }
            }
        });
        return this;
    }

    /** Saves the counts and sends the reports that are due now. */
    public synchronized void tick() {
        book.flush();
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        for (TlsReportBook.Key key : book.keys()) {
            if (!key.day().isBefore(today)) continue;
            Pending p = pending.computeIfAbsent(key, k -> new Pending(k.day().plusDays(1).atStartOfDay()
                    .toInstant(ZoneOffset.UTC).plusSeconds(random.nextLong(settings.maxJitter().toSeconds() + 1))));
            if (now.isBefore(p.due)) continue;
            try {
                attempt(key, p, now);
            } catch (RuntimeException e) {
                failed(key, p, now, "report not sent: " + e);
            }
        }
    }

    private void attempt(TlsReportBook.Key key, Pending p, Instant now) {
        String domain = key.domain();
        if (p.left == null) {
            switch (lookup(domain)) {
                case TlsRptRecord.Lookup.Found f -> {
                    p.left = new ArrayList<>(f.destinations());
                    if (!f.ignored().isEmpty()) log.info("tls reports: {}: rua URIs ignored: {}", domain, f.ignored());
                }
                case TlsRptRecord.Lookup.None n -> {
                    log.debug("tls reports: {} asks for none ({})", domain, n.why());
                    done(key);
                    return;
                }
                case TlsRptRecord.Lookup.TempFail t -> {
                    failed(key, p, now, "_smtp._tls." + domain + " TXT lookup failed: " + t.why());
                    return;
                }
            }
        }
        DayCounts counts = book.counts(key);
        if (counts == null) {
            done(key);
            return;
        }
        if (p.reportId == null) {
            byte[] b = new byte[12];
            random.nextBytes(b);
            p.reportId = key.day() + "." + HexFormat.of().formatHex(b) + "@" + settings.hostname();
        }
        TlsReport report = new TlsReport(settings.hostname(), "mailto:postmaster@" + settings.hostname(), p.reportId, counts);
        List<String> errors = new ArrayList<>();
        for (TlsRptRecord.Destination d : List.copyOf(p.left)) {
            try {
                switch (d) {
                    case TlsRptRecord.Destination.Mail m -> mail(report, m.address());
                    case TlsRptRecord.Destination.Https h -> poster.post(h.url(), report.gzip());
                }
                p.left.remove(d);
                sent.incrementAndGet();
                log.info("tls reports: report {} for {} on {} ({} sessions ok, {} failed) sent to {}", p.reportId,
                        domain, key.day(), counts.successes(), counts.failures(), describe(d));
            } catch (IOException | RuntimeException e) {
                errors.add(describe(d) + ": " + e.getMessage());
            }
        }
        if (p.left.isEmpty()) done(key);
        else failed(key, p, now, String.join("; ", errors));
    }

    private TlsRptRecord.Lookup lookup(String domain) {
        return switch (txt.apply("_smtp._tls." + domain)) {
            case TxtAnswer.Records r -> TlsRptRecord.parse(r.strings());
            case TxtAnswer.NoRecords n -> new TlsRptRecord.Lookup.None("no TXT record");
            case TxtAnswer.NoSuchDomain n -> new TlsRptRecord.Lookup.None("no TXT record (" + n.detail() + ")");
            case TxtAnswer.TempFail t -> new TlsRptRecord.Lookup.TempFail(t.detail());
        };
    }

    private void mail(TlsReport report, String to) throws IOException {
        byte[] b = new byte[9];
        random.nextBytes(b);
        String unique = HexFormat.of().formatHex(b);
        String messageId = "<tlsrpt." + unique + "@" + settings.hostname() + ">";
        mailer.send(to, messageId, ReportMessage.build(report, settings.from(), to, settings.hostname(), messageId,
                clock.instant().atZone(ZoneOffset.UTC), "=_sluice_tlsrpt_" + unique));
    }

    private void failed(TlsReportBook.Key key, Pending p, Instant now, String why) {
        failed.incrementAndGet();
        p.attempts++;
        if (p.attempts >= settings.maxAttempts()) {
            log.error("tls reports: report for {} on {} given up after {} attempts: {}", key.domain(), key.day(),
                    p.attempts, why);
            done(key);
            return;
        }
        p.due = now.plus(settings.retryDelay().multipliedBy(p.attempts));
        log.warn("tls reports: report for {} on {} not sent (attempt {} of {}; next at {}): {}", key.domain(), key.day(),
                p.attempts, settings.maxAttempts(), p.due, why);
    }

    private void done(TlsReportBook.Key key) {
        pending.remove(key);
        try {
            book.forget(key);
        } catch (IOException e) {
            // stays in the store: after a restart the domain may get this day's report a second time
            log.warn("tls reports: {} on {}: done, but not removed from the spool: {}", key.domain(), key.day(), e.getMessage());
        }
    }

    private static String describe(TlsRptRecord.Destination d) {
        return switch (d) {
            case TlsRptRecord.Destination.Mail m -> "mailto:" + m.address();
            case TlsRptRecord.Destination.Https h -> h.url().toString();
        };
    }

    /** Reports handed on (queued or POSTed), since start. */
    public long sent() {
        return sent.get();
    }

    /** Failed sending attempts (a lookup, a POST, queueing), since start. */
    public long failed() {
        return failed.get();
    }

    /** Stops the thread and saves the counts. */
    @Override
    public void close() {
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        book.flush();
    }
}
