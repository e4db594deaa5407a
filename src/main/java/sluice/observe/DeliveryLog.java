package sluice.observe;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.config.LogConfig;

/**
 * The delivery log: one JSON object per line, appended and flushed as events arrive (under load, above
 * 200 events a second, in batches gathered for 10 ms). Writing happens on one background thread so that sessions never wait for log I/O; a full
 * queue blocks the producer rather than drop an event. The file is rotated between batches (see {@link LogOutput}).
 */
public final class DeliveryLog implements EventSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeliveryLog.class);
    private static final JsonFactory JSON = new JsonFactory();

    /** Under load, the writer gathers events this long instead of being woken by each one. */
    private static final long BATCH_WINDOW_MS = 10;
    /** Events per second above which the writer gathers; below it, each event is written as it comes. */
    private static final int BUSY_EVENTS_PER_SECOND = 200;

    private final BlockingQueue<DeliveryEvent> queue = new ArrayBlockingQueue<>(65536);
    private final LogOutput out;
    private final Thread writer;
    private volatile boolean closed;

    private DeliveryLog(LogOutput out) {
        this.out = out;
        this.writer = Thread.ofPlatform().name("delivery-log").daemon(true).start(this::run);
    }

    /** Appends to {@code file} without ever rotating it (short-lived writers such as CLI commands). */
    public static DeliveryLog open(Path file) throws IOException {
        return new DeliveryLog(new LogOutput(file, null, Clock.systemUTC()));
    }

    /** The server's log: rotated by size and day, old files compressed and deleted as configured. */
    public static DeliveryLog open(LogConfig config, Clock clock) throws IOException {
        return new DeliveryLog(new LogOutput(config.deliveryLog(), config, clock));
    }

    /** Queues a mail event for writing; never does I/O on the caller's thread. Connection events are not logged. */
    @Override
    public void publish(DeliveryEvent event) {
        if (closed || event instanceof DeliveryEvent.ConnectionEvent) return;
        try {
            queue.put(event);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<DeliveryEvent> batch = new ArrayList<>();
        ByteArrayOutputStream buf = new ByteArrayOutputStream(4096);
        long secondStarted = System.nanoTime();
        int thisSecond = 0;
        boolean busy = false;
        while (!closed || !queue.isEmpty()) {
            try {
                DeliveryEvent first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    out.tick();
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 1023);
                List<byte[]> lines = new ArrayList<>(batch.size());
                for (DeliveryEvent e : batch) {
                    buf.reset();
                    encode(e, buf);
                    lines.add(buf.toByteArray());
                }
                out.write(lines);
                // Under load, gather the next batch for a few milliseconds instead of being woken by every
                // event: each wake-up is a context switch that the sessions' carrier thread pays for.
                thisSecond += lines.size();
                long now = System.nanoTime();
                if (now - secondStarted >= 1_000_000_000L) {
                    busy = thisSecond > BUSY_EVENTS_PER_SECOND;
                    secondStarted = now;
                    thisSecond = 0;
                }
                if (busy && !closed) Thread.sleep(BATCH_WINDOW_MS);
            } catch (InterruptedException e) {
                break;
            } catch (IOException e) {
                log.error("delivery log: cannot write: {}", e.getMessage());
            } finally {
                batch.clear();
            }
        }
    }

    static void encode(DeliveryEvent e, ByteArrayOutputStream buf) throws IOException {
        if (e instanceof DeliveryEvent.ConnectionEvent) return; // counted by the metrics, not a line of the log
        try (JsonGenerator g = JSON.createGenerator(buf, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("ts", DateTimeFormatter.ISO_INSTANT.format(e.ts()));
            g.writeStringField("event", e.event());
            switch (e) {
                case DeliveryEvent.Received r -> {
                    field(g, "queue_id", r.queueId());
                    field(g, "message_id", r.messageId());
                    g.writeStringField("sender", r.sender());
                    if (r.recipients().size() == 1) {
                        g.writeStringField("recipient", r.recipients().get(0));
                    } else {
                        g.writeArrayFieldStart("recipients");
                        for (String s : r.recipients()) g.writeString(s);
                        g.writeEndArray();
                    }
                    g.writeNumberField("listener", r.listener());
                    field(g, "client_ip", r.clientIp());
                    field(g, "tls", r.tls());
                    field(g, "auth_user", r.authUser());
                    g.writeNumberField("size", r.size());
                    field(g, "dsn_for", r.dsnFor());
                }
                case DeliveryEvent.Rejected r -> {
                    field(g, "sender", r.sender());
                    field(g, "recipient", r.recipient());
                    g.writeNumberField("listener", r.listener());
                    field(g, "client_ip", r.clientIp());
                    field(g, "tls", r.tls());
                    field(g, "auth_user", r.authUser());
                    g.writeNumberField("code", r.code());
                    field(g, "enhanced_code", r.enhancedCode());
                    field(g, "text", r.text());
                }
                case DeliveryEvent.Attempt a -> {
                    field(g, "queue_id", a.queueId());
                    field(g, "message_id", a.messageId());
                    field(g, "sender", a.sender());
                    field(g, "recipient", a.recipient());
                    field(g, "route", a.route());
                    field(g, "remote_host", a.remoteHost());
                    field(g, "remote_ip", a.remoteIp());
                    if (a.remotePort() > 0) g.writeNumberField("remote_port", a.remotePort());
                    field(g, "tls", a.tls());
                    field(g, "tls_policy", a.tlsPolicy());
                    if (a.code() > 0) g.writeNumberField("code", a.code());
                    field(g, "enhanced_code", a.enhancedCode());
                    field(g, "text", a.text());
                    g.writeNumberField("attempt", a.attempt());
                    g.writeNumberField("duration_ms", a.durationMs());
                    g.writeNumberField("size", a.size());
                    field(g, "bounce_class", a.bounceClass());
                    field(g, "egress_source", a.egressSource());
                    field(g, "egress_ip", a.egressIp());
                }
                case DeliveryEvent.QueueAction q -> {
                    field(g, "queue_id", q.queueId());
                    field(g, "message_id", q.messageId());
                    field(g, "sender", q.sender());
                    field(g, "text", q.text());
                }
                case DeliveryEvent.Shaping sh -> {
                    field(g, "egress_source", sh.egressSource());
                    field(g, "group", sh.group());
                    field(g, "text", sh.text());
                }
                case DeliveryEvent.ConnectionEvent c -> throw new IllegalStateException("not a log line: " + c.event());
            }
            g.writeEndObject();
        }
        buf.write('\n');
    }

    private static void field(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) g.writeStringField(name, value);
    }

    /** Writes what is queued, then closes the file. */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(5000);
            out.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.warn("delivery log: close failed: {}", e.getMessage());
        }
    }
}
