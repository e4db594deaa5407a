package sluice.observe;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.config.WebhookConfig;
import sluice.spool.OutboxFamily;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * One endpoint's sender: a platform thread that reads the endpoint's outbox entries a page at a time (never all of
 * them), sends up to {@code max_in_flight} at once over one HttpClient (keep-alive; HTTP/2 where https offers it),
 * never the next event of a message before the one before it succeeded, retries on the schedule, and deletes what
 * succeeded. All state is the thread's own; HTTP answers come back through a queue. A dead endpoint costs only its
 * own thread and its breaker's one probe per interval, never the queue (which only writes the outbox) or another
 * endpoint.
 */
final class WebhookEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookEndpoint.class);
    /** Entries held in memory at most; the outbox may hold millions. */
    static final int WINDOW = 2048;
    /** How often an idle sender looks for new entries (they are written by the spool's committer). */
    private static final long POLL_NANOS = 20_000_000L;
    static final String DISABLED_STATE = "webhooks/disabled/";

    private static final class Pending {
        final WebhookOutbox.Entry entry;
        int failures;
        long due;
        boolean inFlight;

        Pending(WebhookOutbox.Entry entry) {
            this.entry = entry;
        }
    }

    private record Answer(Pending p, int status, String retryAfter, String error) {}

    private final WebhookConfig config;
    private final WebhookSigner signer;
    private final Spool spool;
    private final AtomicLong waiting;
    private final Clock clock;
    private final WebhookRetries retries;
    private final HttpClient http;
    private final TreeMap<Long, Pending> window = new TreeMap<>();
    private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final List<byte[]> deletes = new ArrayList<>();
    // Sent entries are deleted off the sender's thread: a sync per answer would cap the rate at the disk's, and an
    // entry whose delete a crash loses is only sent again, with its webhook-id.
    private final java.util.concurrent.LinkedBlockingQueue<byte[]> toDelete = new java.util.concurrent.LinkedBlockingQueue<>();
    private final Thread deleter;
    private final Thread thread;
    private byte[] nextFrom;
    private int inFlight;
    private int consecutiveFailures;
    private long probeAt;
    private volatile boolean closed;
    private volatile boolean disabled;
    private volatile boolean enableRequested;
    volatile Instant lastSuccess;
    volatile Instant lastFailure;
    volatile String lastError;
    volatile boolean breakerOpen;
    volatile int inFlightNow;
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();

    WebhookEndpoint(WebhookConfig config, WebhookSigner signer, Spool spool, AtomicLong waiting, Clock clock,
                    RandomGenerator random) throws IOException, SpoolException {
        this.config = config;
        this.signer = signer;
        this.spool = spool;
        this.waiting = waiting;
        this.clock = clock;
        this.retries = new WebhookRetries(config.retrySchedule(), random);
        this.http = client(config);
        this.nextFrom = WebhookOutbox.start(config.name());
        byte[] off = spool.state().read(DISABLED_STATE + config.name()).get(DISABLED_STATE + config.name());
        // Disabled by a 410 until the url changes in the config or an operator enables it again.
        this.disabled = off != null && new String(off, StandardCharsets.UTF_8).equals(config.url().toString());
        if (disabled) {
            log.warn("webhooks: {}: disabled since it answered 410 Gone; `sluice webhooks enable {}` or a new url"
                    + " enables it", config.name(), config.name());
        }
        this.thread = Thread.ofPlatform().name("webhook-" + config.name()).daemon(true).unstarted(this::run);
        this.deleter = Thread.ofVirtual().name("webhook-" + config.name() + "-deleter").unstarted(this::deleteSent);
    }

    WebhookEndpoint start() {
        deleter.start();
        thread.start();
        return this;
    }

    WebhookSigner signer() {
        return signer;
    }

    WebhookConfig config() {
        return config;
    }

    boolean disabled() {
        return disabled;
    }

    /** Enables an endpoint a 410 disabled (an operator's command). */
    void enable() {
        enableRequested = true;
        LockSupport.unpark(thread);
    }

    private static HttpClient client(WebhookConfig c) throws IOException {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(c.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                // h2 through TLS ALPN only: plain http stays HTTP/1.1 with keep-alive (no h2c upgrade dance)
                .version("https".equalsIgnoreCase(c.url().getScheme()) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1);
        if (c.caFile() != null) b.sslContext(trusting(c.caFile()));
        return b.build();
    }

    /** The JDK's default trust and the certificates of a PEM file. */
    static SSLContext trusting(Path pem) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            TrustManagerFactory def = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            def.init((KeyStore) null);
            int i = 0;
            for (var tm : def.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    for (X509Certificate cert : x.getAcceptedIssuers()) ks.setCertificateEntry("default-" + i++, cert);
                }
            }
            int own = 0;
            try (InputStream in = Files.newInputStream(pem)) {
                for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    ks.setCertificateEntry("ca-" + own++, cert);
                }
            }
            if (own == 0) throw new IOException(pem + ": no PEM certificate found");
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException(pem + ": " + e.getMessage(), e);
        }
    }

    private void run() {
        while (!closed) {
            long wake = System.nanoTime() + POLL_NANOS;
            try {
                if (enableRequested) enableNow();
                handleAnswers();
                flushDeletes();
                refill();
                long nextDue = dispatch();
                if (nextDue != Long.MAX_VALUE) {
                    long inNanos = Math.max(0, nextDue - clock.millis()) * 1_000_000L;
                    if (inNanos < POLL_NANOS) wake = System.nanoTime() + inNanos;
                }
            } catch (SpoolException | RuntimeException e) {
                log.error("webhooks: {}: {}", config.name(), e.toString());
                wake = System.nanoTime() + 1_000_000_000L; // the spool is failing: try again in a second
            }
            long left = wake - System.nanoTime();
            if (left > 0 && answers.isEmpty() && !enableRequested) LockSupport.parkNanos(this, left);
        }
        flushDeletes();
    }

    private void enableNow() throws SpoolException {
        enableRequested = false;
        if (!disabled) return;
        spool.state().put(DISABLED_STATE + config.name(), new byte[0]);
        disabled = false;
        consecutiveFailures = 0;
        breakerOpen = false;
        log.info("webhooks: {}: enabled again by an operator", config.name());
    }

    /** Reads the next page of entries after those in memory, up to the window. */
    private void refill() throws SpoolException {
        if (window.size() >= WINDOW / 2) return;
        List<OutboxFamily.Entry> page = spool.outbox().page(nextFrom, WebhookOutbox.end(config.name()), WINDOW - window.size());
        for (OutboxFamily.Entry e : page) {
            WebhookOutbox.Entry entry = WebhookOutbox.decode(e.key(), e.value());
            window.put(entry.seq(), new Pending(entry));
            nextFrom = WebhookOutbox.successor(e.key());
        }
    }

    /** Starts what may go now; returns the earliest time something else may (epoch millis), or MAX_VALUE. */
    private long dispatch() {
        long now = clock.millis();
        long next = Long.MAX_VALUE;
        if (disabled) return next;
        boolean open = consecutiveFailures >= config.breakerFailures();
        breakerOpen = open;
        if (open && (inFlight > 0 || now < probeAt)) return inFlight > 0 ? next : probeAt;
        Set<String> earlier = new HashSet<>();
        List<Pending> expired = new ArrayList<>();
        for (Pending p : window.values()) {
            String message = p.entry.message();
            // Only the first waiting event of a message may go: the next waits until it succeeded.
            if (!message.isEmpty() && !earlier.add(message)) continue;
            if (p.inFlight) continue;
            if (inFlight >= config.maxInFlight()) break;
            if (now - p.entry.createdMillis() > config.giveUpAfter().toMillis()) {
                expired.add(p);
                continue;
            }
            if (p.due > now && !open) {
                next = Math.min(next, p.due);
                continue;
            }
            send(p);
            if (open) { // the breaker's one probe
                probeAt = now + config.probeInterval().toMillis();
                break;
            }
        }
        for (Pending p : expired) drop(p, "it was not delivered within give_up_after (" + human(config.giveUpAfter()) + ")");
        return next;
    }

    private void send(Pending p) {
        WebhookOutbox.Entry e = p.entry;
        long ts = clock.instant().getEpochSecond();
        HttpRequest req = HttpRequest.newBuilder(config.url()).timeout(config.timeout())
                .header("content-type", "application/json")
                .header("user-agent", "Sluice-Webhooks")
                .header("webhook-id", e.id())
                .header("webhook-timestamp", Long.toString(ts))
                .header("webhook-signature", signer.sign(e.id(), ts, e.body()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(e.body()))
                .build();
        p.inFlight = true;
        inFlight++;
        inFlightNow = inFlight;
        try {
            http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((resp, err) -> {
                answers.add(err != null ? new Answer(p, -1, null, describe(err))
                        : new Answer(p, resp.statusCode(), resp.headers().firstValue("retry-after").orElse(null), null));
                LockSupport.unpark(thread);
            });
        } catch (RuntimeException ex) {
            answers.add(new Answer(p, -1, null, describe(ex)));
        }
    }

    private static String describe(Throwable t) {
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) t = t.getCause();
        if (t instanceof java.net.http.HttpTimeoutException) return "timed out";
        if (t instanceof java.net.ConnectException) return "connection refused or unreachable";
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private void handleAnswers() throws SpoolException {
        Instant now = clock.instant();
        for (Answer a; (a = answers.poll()) != null; ) {
            Pending p = a.p;
            p.inFlight = false;
            inFlight--;
            inFlightNow = inFlight;
            if (a.status >= 200 && a.status < 300) {
                window.remove(p.entry.seq());
                deletes.add(p.entry.key());
                delivered.incrementAndGet();
                lastSuccess = now;
                if (consecutiveFailures >= config.breakerFailures()) {
                    log.info("webhooks: {}: answering again; circuit breaker closed", config.name());
                }
                consecutiveFailures = 0;
                continue;
            }
            failed.incrementAndGet();
            lastFailure = now;
            lastError = a.error != null ? a.error : "HTTP " + a.status;
            if (a.status == 410) {
                gone();
                continue;
            }
            p.failures++;
            if (++consecutiveFailures == config.breakerFailures()) {
                probeAt = now.toEpochMilli() + config.probeInterval().toMillis();
                log.warn("webhooks: {}: {} failures in a row (last: {}); circuit breaker open: one probe every {}",
                        config.name(), consecutiveFailures, lastError, human(config.probeInterval()));
            }
            Duration wait = retries.after(p.failures, WebhookRetries.retryAfter(a.retryAfter, now));
            p.due = now.toEpochMilli() + wait.toMillis();
            if (p.due - p.entry.createdMillis() > config.giveUpAfter().toMillis()) {
                drop(p, "its next attempt would come after give_up_after (" + human(config.giveUpAfter())
                        + "); last error: " + lastError);
            }
        }
    }

    /** A 410: the receiver says the endpoint is gone for good. */
    private void gone() throws SpoolException {
        if (disabled) return;
        disabled = true;
        spool.state().put(DISABLED_STATE + config.name(), config.url().toString().getBytes(StandardCharsets.UTF_8));
        log.error("webhooks: {}: {} answered 410 Gone: endpoint disabled, its events are kept; `sluice webhooks"
                + " enable {}` or a new url enables it", config.name(), config.url(), config.name());
    }

    /** Never quietly: the event is logged with its id and counted before it is deleted. */
    private void drop(Pending p, String why) {
        window.remove(p.entry.seq());
        deletes.add(p.entry.key());
        dropped.incrementAndGet();
        log.error("webhooks: {}: event {} ({} of {}, message {}) dropped: {}", config.name(), p.entry.id(),
                p.entry.type(), Instant.ofEpochMilli(p.entry.createdMillis()), p.entry.message(), why);
    }

    private void flushDeletes() {
        if (deletes.isEmpty()) return;
        toDelete.addAll(deletes);
        deletes.clear();
    }

    private void deleteSent() {
        List<byte[]> batch = new ArrayList<>();
        while (!closed || !toDelete.isEmpty() || thread.isAlive()) {
            try {
                byte[] first = toDelete.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                toDelete.drainTo(batch, 8191);
                spool.outbox().delete(batch);
                waiting.addAndGet(-batch.size());
            } catch (InterruptedException e) {
                return;
            } catch (SpoolException e) {
                log.warn("webhooks: {}: could not delete {} sent event(s) from the outbox ({}); they will be sent again"
                        + " after a restart", config.name(), batch.size(), e.getMessage());
            } finally {
                batch.clear();
            }
        }
    }

    static String human(Duration d) {
        return d.toString().substring(2).toLowerCase();
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(5000);
            deleter.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.close();
    }
}
