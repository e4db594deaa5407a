package sluice.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.config.WebhookConfig;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * The webhooks of a node: the outbox the queue writes its events into ({@link #outbox()}), one sender per endpoint,
 * and, for events that no spool write records (a refused RCPT), a writer thread that stores them in group-committed
 * batches of their own, so that a session never waits for more than a queue slot.
 */
public final class Webhooks implements EventSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Webhooks.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int REPLAY_CHUNK = 1000;

    /** One endpoint as the CLI, the API and the metrics show it. */
    public record Status(String name, String url, List<String> events, long waiting, Instant oldestWaiting,
                         Instant lastSuccess, Instant lastFailure, String lastError, boolean disabled,
                         boolean breakerOpen, int inFlight, long delivered, long failed, long dropped) {}

    private final Spool spool;
    private final WebhookOutbox outbox;
    private volatile Map<String, WebhookEndpoint> endpoints; // replaced whole by a reload
    private final BlockingQueue<DeliveryEvent> own = new ArrayBlockingQueue<>(65536);
    private final Thread writer;
    private final Clock clock;
    private volatile boolean closed;

    private Webhooks(Spool spool, WebhookOutbox outbox, Map<String, WebhookEndpoint> endpoints, Clock clock) {
        this.spool = spool;
        this.outbox = outbox;
        this.endpoints = endpoints;
        this.clock = clock;
        this.writer = Thread.ofPlatform().name("webhook-outbox").daemon(true).unstarted(this::write);
    }

    /**
     * Opens the outbox of {@code configs} and starts a sender per endpoint (secrets are read, and created when
     * absent, here).
     *
     * @throws IOException naming the endpoint and the file when a secret or CA file cannot be read
     */
    public static Webhooks start(List<WebhookConfig> configs, Spool spool, Clock clock) throws IOException, SpoolException {
        WebhookOutbox outbox = WebhookOutbox.open(spool, configs);
        Map<String, WebhookEndpoint> endpoints = new LinkedHashMap<>();
        try {
            for (WebhookConfig c : configs) {
                endpoints.put(c.name(), endpoint(c, signer(c), spool, outbox.waiting(c.name()), clock));
            }
        } catch (IOException e) { // a SpoolException too
            endpoints.values().forEach(WebhookEndpoint::close);
            throw e;
        }
        Webhooks w = new Webhooks(spool, outbox, endpoints, clock);
        endpoints.values().forEach(WebhookEndpoint::start);
        w.writer.start();
        return w;
    }

    /**
     * The outbox alone, for a command that changes the spool while no server runs (its events are sent when the
     * server starts).
     */
    public static EventOutbox outbox(Spool spool, List<WebhookConfig> configs) throws SpoolException {
        return configs.isEmpty() ? EventOutbox.NONE : WebhookOutbox.open(spool, configs);
    }

    /** What the queue stores with each outcome and each new message. */
    public EventOutbox outbox() {
        return outbox;
    }

    /** Events no spool write records ("rejected"): queued here, stored by the writer thread. */
    @Override
    public void publish(DeliveryEvent event) {
        if (closed || !(event instanceof DeliveryEvent.Rejected)) return;
        try {
            own.put(event); // a full queue waits for the disk, like the delivery log, rather than lose an event
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void write() {
        List<DeliveryEvent> batch = new ArrayList<>();
        while (!closed || !own.isEmpty()) {
            try {
                DeliveryEvent first = own.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                own.drainTo(batch, 4095);
                var records = outbox.recordsFor(batch);
                if (records != sluice.spool.OutboxRecords.NONE) spool.outbox().put(records);
            } catch (InterruptedException e) {
                break;
            } catch (SpoolException | RuntimeException e) {
                log.error("webhooks: {} rejected event(s) could not be stored and will not be sent: {}", batch.size(),
                        e.getMessage());
            } finally {
                batch.clear();
            }
        }
    }

    /**
     * The endpoints of a reload. Every new or changed one (url, events, retries, secrets read again) is built before
     * anything changes, so a secret or CA file that cannot be read refuses the reload with the endpoint's name;
     * then the outbox stores for the new list, the changed and removed endpoints stop (an attempt cut short is sent
     * again by the new one, with its webhook-id) and the new ones start. An endpoint that did not change keeps running.
     *
     * @return the names of the endpoints added, changed or removed
     */
    public synchronized List<String> reconfigure(List<WebhookConfig> next) throws IOException, SpoolException {
        Map<String, WebhookEndpoint> old = endpoints;
        Map<String, WebhookEndpoint> built = new LinkedHashMap<>();
        Map<String, WebhookEndpoint> fresh = new LinkedHashMap<>();
        try {
            for (WebhookConfig c : next) {
                WebhookSigner signer = signer(c);
                WebhookEndpoint running = old.get(c.name());
                if (running != null && running.config().equals(c) && running.signer().sameSecrets(signer)) {
                    built.put(c.name(), running);
                    continue;
                }
                WebhookEndpoint e = endpoint(c, signer, spool, outbox.waitingOrNew(c.name()), clock);
                fresh.put(c.name(), e);
                built.put(c.name(), e);
            }
        } catch (IOException e) { // a SpoolException too
            fresh.values().forEach(WebhookEndpoint::close);
            throw e;
        }
        outbox.reconfigure(spool, next);
        List<String> changed = new ArrayList<>();
        for (var e : old.entrySet()) {
            if (built.get(e.getKey()) != e.getValue()) {
                e.getValue().close();
                if (!built.containsKey(e.getKey())) changed.add(e.getKey() + " (removed)");
            }
        }
        endpoints = built;
        for (var e : fresh.entrySet()) {
            e.getValue().start();
            changed.add(e.getKey() + (old.containsKey(e.getKey()) ? " (changed)" : " (added)"));
        }
        return changed;
    }

    /** The endpoint's secrets, read (and the current one created when absent); the error names the endpoint. */
    private static WebhookSigner signer(WebhookConfig c) throws IOException {
        try {
            return WebhookSigner.of(c.secretFile(), c.previousSecretFile());
        } catch (IOException e) {
            throw new IOException("webhooks " + c.name() + ": secret: " + e.getMessage(), e);
        }
    }

    /** A sender for one endpoint, not yet started; a CA file that cannot be read is named with the endpoint. */
    private static WebhookEndpoint endpoint(WebhookConfig c, WebhookSigner signer, Spool spool,
                                            java.util.concurrent.atomic.AtomicLong waiting, Clock clock)
            throws IOException {
        try {
            return new WebhookEndpoint(c, signer, spool, waiting, clock, RandomGenerator.getDefault());
        } catch (SpoolException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("webhooks " + c.name() + ": ca_file: " + e.getMessage(), e);
        }
    }

    /** Every endpoint's state. */
    public List<Status> status() {
        List<Status> out = new ArrayList<>();
        for (WebhookEndpoint e : endpoints.values()) {
            WebhookConfig c = e.config();
            Instant oldest = null;
            try {
                var first = spool.outbox().page(WebhookOutbox.start(c.name()), WebhookOutbox.end(c.name()), 1);
                if (!first.isEmpty()) {
                    oldest = Instant.ofEpochMilli(WebhookOutbox.decode(first.get(0).key(), first.get(0).value()).createdMillis());
                }
            } catch (SpoolException | RuntimeException ex) {
                log.debug("webhooks: cannot read the oldest event of {}: {}", c.name(), ex.toString());
            }
            out.add(new Status(c.name(), c.url().toString(),
                    WebhookConfig.EVENTS.stream().filter(c.events()::contains).toList(),
                    Math.max(0, outbox.waiting(c.name()).get()), oldest, e.lastSuccess, e.lastFailure, e.lastError,
                    e.disabled(), e.breakerOpen, e.inFlightNow, e.delivered.get(), e.failed.get(), e.dropped.get()));
        }
        return out;
    }

    /** Whether an endpoint of that name is configured. */
    public boolean has(String name) {
        return endpoints.containsKey(name);
    }

    /** Enables an endpoint that a 410 disabled; false when there is no such endpoint. */
    public boolean enable(String name) {
        WebhookEndpoint e = endpoints.get(name);
        if (e == null) return false;
        e.enable();
        return true;
    }

    /**
     * Sends again the events of the delivery log since {@code since} to {@code endpoint} (null: every endpoint), each
     * to the endpoints subscribed to its type, with the webhook-id it had the first time (a digest of its log line).
     * The events go to the end of each endpoint's outbox. Returns how many entries were stored.
     */
    public long replay(Path deliveryLog, Instant since, String endpoint) throws IOException, SpoolException {
        List<WebhookConfig> targets = endpoints.values().stream().map(WebhookEndpoint::config)
                .filter(c -> endpoint == null || c.name().equals(endpoint)).toList();
        List<Map.Entry<String, WebhookOutbox.Draft>> chunk = new ArrayList<>();
        long[] stored = {0};
        SpoolException[] failure = {null};
        DeliveryLogReader.read(deliveryLog, since, node -> {
            if (failure[0] != null) return;
            String type = node.path("event").asText();
            if (!WebhookConfig.EVENTS.contains(type)) return;
            Instant ts = DeliveryLogReader.ts(node);
            if (ts == null) return;
            WebhookOutbox.Draft d = null;
            for (WebhookConfig c : targets) {
                if (!c.events().contains(type)) continue;
                if (d == null) d = draft(node, type, ts);
                chunk.add(Map.entry(c.name(), d));
            }
            if (chunk.size() >= REPLAY_CHUNK) {
                try {
                    spool.outbox().put(outbox.records(List.copyOf(chunk)));
                    stored[0] += chunk.size();
                } catch (SpoolException e) {
                    failure[0] = e;
                }
                chunk.clear();
            }
        });
        if (failure[0] != null) throw failure[0];
        if (!chunk.isEmpty()) {
            spool.outbox().put(outbox.records(List.copyOf(chunk)));
            stored[0] += chunk.size();
        }
        log.info("webhooks: replay since {} to {}: {} event(s) queued", since, endpoint == null ? "every endpoint" : endpoint,
                stored[0]);
        return stored[0];
    }

    private static WebhookOutbox.Draft draft(JsonNode node, String type, Instant ts) {
        try {
            String message = node.hasNonNull("queue_id") ? node.get("queue_id").asText() : null;
            return WebhookOutbox.draft(type, ts, message, JSON.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The clock the status is read with (for the API's "generated"). */
    public Instant now() {
        return clock.instant();
    }

    @Override
    public void close() {
        closed = true;
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        endpoints.values().forEach(WebhookEndpoint::close);
    }
}
