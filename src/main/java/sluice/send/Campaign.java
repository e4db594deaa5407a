package sluice.send;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.util.concurrent.RateLimiter;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import sluice.config.Rate;

/**
 * One run of a campaign: each row of the list rendered with the template and POSTed as {@code message/rfc822} to the
 * send API ({@code POST /api/v1/messages?to=EMAIL}), so may-send-as, limits, suppression and DKIM apply as for any API
 * caller. Several requests are in flight on one keep-alive client (the server's group commit makes them one fsync);
 * {@code rate} paces the requests evenly. A stop request ends the issuing; requests in flight finish and are recorded.
 * Every finished row goes into the journal; a row that is neither accepted nor refused for good (the server busy or
 * gone) is not, so that {@code --resume} sends it.
 */
public final class Campaign {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Distinct refusal reasons counted apart; the rest are counted as "other". */
    private static final int MAX_REASONS = 20;
    private static final int CONNECT_TRIES = 6;
    private static final long FLUSH_EVERY_NANOS = 1_000_000_000L;

    /** @param requireTls every message asks for REQUIRETLS ({@code ?require_tls=true}) */
    public record Settings(URI endpoint, String apiKey, int concurrency, Rate rate, String campaignId, boolean requireTls) {
        public Settings(URI endpoint, String apiKey, int concurrency, Rate rate, String campaignId) {
            this(endpoint, apiKey, concurrency, rate, campaignId, false);
        }
    }

    /** Why the run ended. */
    public sealed interface End {
        /** Every row was issued. */
        record Finished() implements End {}

        /** A stop request (Ctrl-C). */
        record Stopped() implements End {}

        /** The server stopped answering or refused the key: nothing more can be sent. */
        record Broken(String why) implements End {}
    }

    /** Told of each refused row as it happens (for the refusal lines), from any thread. */
    public interface Listener {
        void refused(int row, String reason);
    }

    /** Live counts, read by the progress display while the run goes on. */
    public static final class Counts {
        public final AtomicLong accepted = new AtomicLong();
        public final AtomicLong suppressed = new AtomicLong();
        public final AtomicLong refused = new AtomicLong();
        /** Rows not finished this run (the server busy or gone): not journaled, sent by --resume. */
        public final AtomicLong unfinished = new AtomicLong();
        private final Map<String, Long> reasons = new LinkedHashMap<>();

        public long done() {
            return accepted.get() + suppressed.get() + refused.get();
        }

        synchronized void reason(String reason) {
            String key = reasons.containsKey(reason) || reasons.size() < MAX_REASONS ? reason : "other reasons";
            reasons.merge(key, 1L, Long::sum);
        }

        public synchronized Map<String, Long> reasons() {
            return new LinkedHashMap<>(reasons);
        }
    }

    private final Settings settings;
    private final HttpClient http;
    private final Counts counts = new Counts();
    private final AtomicReference<String> broken = new AtomicReference<>();

    public Campaign(Settings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * The campaign's name in its Idempotency-Keys ({@code ID-ROW}): the same list and template make the same keys in
     * every run, so that a row sent again after a crash is recognised by the server.
     */
    public static String id(String listSha256, String templateSha256) {
        return "sluice-" + sha256((listSha256 + ":" + templateSha256).getBytes(StandardCharsets.UTF_8)).substring(0, 32);
    }

    public static String sha256(byte[] data) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    public Counts counts() {
        return counts;
    }

    /** What the server said to a request without a message: whether it answers and takes the key. */
    public sealed interface Probe {
        record Ready() implements Probe {}

        record NotAnswering(String detail) implements Probe {}

        record KeyRefused(int status, String error) implements Probe {}
    }

    /**
     * Sends an empty message: the key is checked before the body is read, so a 401 or 403 says the key is wrong
     * and a 400 (no sender, no recipients) says it is right; nothing is queued either way.
     */
    public Probe probe() throws InterruptedException {
        HttpResponse<String> r;
        try {
            r = http.send(request(settings.endpoint(), new byte[0], null), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return new Probe.NotAnswering(describe(e));
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) return new Probe.KeyRefused(r.statusCode(), error(r.body()));
        return new Probe.Ready();
    }

    /** Issues every row of {@code list} that {@code journal} does not name, until the end or {@code stop}. */
    public End run(CampaignList list, CampaignJournal journal, RawTemplate template, AtomicBoolean stop, Listener listener)
            throws CampaignList.Unreadable, IOException, InterruptedException {
        RateLimiter pace = settings.rate() == null ? null : RateLimiter.create(settings.rate().perSecond());
        Semaphore slots = new Semaphore(settings.concurrency());
        AtomicReference<IOException> journalFailure = new AtomicReference<>();
        End end = new End.Finished();
        long flushed = System.nanoTime();
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (CampaignList.Row row; (row = list.next()) != null; ) {
                if (System.nanoTime() - flushed > FLUSH_EVERY_NANOS) {
                    // a slow campaign (--rate) fills a batch seldom: a crash then loses at most a second of journal
                    journal.flush();
                    flushed = System.nanoTime();
                }
                if (stop.get()) {
                    end = new End.Stopped();
                    break;
                }
                if (broken.get() != null) break;
                if (journalFailure.get() != null) throw journalFailure.get();
                if (journal.done(row.number())) continue;
                switch (row) {
                    case CampaignList.Row.Bad b -> finish(journal, b.number(), CampaignJournal.Outcome.REFUSED, b.reason(), listener);
                    case CampaignList.Row.Good g -> {
                        if (pace != null) pace.acquire();
                        slots.acquire();
                        workers.submit(() -> {
                            try {
                                send(g, template, journal, listener, stop);
                            } catch (IOException e) {
                                journalFailure.compareAndSet(null, e);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            } finally {
                                slots.release();
                            }
                        });
                    }
                }
            }
        } // close() waits for the requests in flight
        journal.flush();
        if (journalFailure.get() != null) throw journalFailure.get();
        if (broken.get() != null) return new End.Broken(broken.get());
        return end;
    }

    private void send(CampaignList.Row.Good row, RawTemplate template, CampaignJournal journal, Listener listener,
                      AtomicBoolean stop) throws IOException, InterruptedException {
        byte[] message = switch (template.render(row.values(), row.email())) {
            case RawTemplate.Rendered.Message m -> m.bytes();
            case RawTemplate.Rendered.Refused r -> {
                finish(journal, row.number(), CampaignJournal.Outcome.REFUSED, r.reason(), listener);
                yield null;
            }
        };
        if (message == null) return;
        URI uri = URI.create(settings.endpoint() + "?to=" + URLEncoder.encode(row.email(), StandardCharsets.UTF_8)
                + (settings.requireTls() ? "&require_tls=true" : ""));
        HttpRequest req = request(uri, message, settings.campaignId() + "-" + row.number());
        int connectFailures = 0;
        int serverErrors = 0;
        while (true) {
            if (broken.get() != null) {
                counts.unfinished.incrementAndGet();
                return;
            }
            HttpResponse<String> r;
            try {
                r = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                if (stop.get()) { // Ctrl-C: this row goes with --resume; no reason to call the server gone
                    counts.unfinished.incrementAndGet();
                    return;
                }
                if (++connectFailures >= CONNECT_TRIES) {
                    broken.compareAndSet(null, "the send API at " + settings.endpoint().getAuthority()
                            + " stopped answering (" + describe(e) + ")");
                    counts.unfinished.incrementAndGet();
                    return;
                }
                Thread.sleep(250L << connectFailures);
                continue;
            }
            int status = r.statusCode();
            if (status == 200 || status == 201 || status == 202) {
                counts.accepted.incrementAndGet();
                journal.record(row.number(), CampaignJournal.Outcome.ACCEPTED, null);
                return;
            }
            String error = error(r.body());
            if (status == 401) {
                broken.compareAndSet(null, "the send API refused the API key (HTTP 401: " + error + ")");
                counts.unfinished.incrementAndGet();
                return;
            }
            if (status == 429 || status == 503 || (status >= 500 && ++serverErrors < 4)) {
                // the server's limit or a busy moment: wait as told and try the same row again (same Idempotency-Key)
                if (stop.get()) {
                    counts.unfinished.incrementAndGet();
                    return;
                }
                long wait = r.headers().firstValueAsLong("Retry-After").orElse(1);
                Thread.sleep(TimeUnit.SECONDS.toMillis(Math.min(30, Math.max(1, wait))));
                continue;
            }
            if (status >= 500) {
                counts.unfinished.incrementAndGet();
                listener.refused(row.number(), "not sent this time (HTTP " + status + ": " + error + "); --resume tries it again");
                return;
            }
            String reason = "HTTP " + status + ": " + error.replace(row.email(), "<email>");
            boolean suppressed = status == 400 && error.contains("suppressed");
            if (suppressed) {
                counts.suppressed.incrementAndGet();
                journal.record(row.number(), CampaignJournal.Outcome.SUPPRESSED, reason);
            } else {
                finish(journal, row.number(), CampaignJournal.Outcome.REFUSED, reason, listener);
            }
            return;
        }
    }

    private void finish(CampaignJournal journal, int row, CampaignJournal.Outcome outcome, String reason, Listener listener)
            throws IOException {
        counts.refused.incrementAndGet();
        counts.reason(generic(reason));
        journal.record(row, outcome, reason);
        listener.refused(row, reason);
    }

    /** A reason without the row's own text, so that rows refused for one cause are counted together. */
    static String generic(String reason) {
        if (reason.startsWith("bad address ")) return "bad address";
        int quote = reason.indexOf(" columns where");
        if (quote > 0) return "wrong number of columns";
        return reason;
    }

    private HttpRequest request(URI uri, byte[] body, String idempotencyKey) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + settings.apiKey())
                .header("Content-Type", "message/rfc822")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (idempotencyKey != null) b.header("Idempotency-Key", idempotencyKey);
        return b.build();
    }

    private static String describe(IOException e) {
        if (e instanceof java.net.ConnectException) return "connection refused";
        if (e instanceof java.net.http.HttpTimeoutException) return "no answer in time";
        return e.getMessage() != null ? e.getMessage() : "the connection failed";
    }

    /** The API's {"error": "..."} text. */
    private static String error(String body) {
        try {
            JsonNode e = JSON.readTree(body).path("error");
            return e.isTextual() ? e.asText() : body.strip();
        } catch (IOException | RuntimeException notJson) {
            return body.strip();
        }
    }
}
