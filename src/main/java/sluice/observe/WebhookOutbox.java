package sluice.observe;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import sluice.config.WebhookConfig;
import sluice.spool.OutboxRecords;
import sluice.spool.OutboxFamily;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * The webhook outbox's layout in the spool's "outbox" family, and the {@link EventOutbox} that fills it: one entry
 * per (endpoint, event) the endpoint subscribes to. Keys are the endpoint's name, a zero byte and a sequence number
 * (8 bytes, big-endian) taken on the spool's committer thread, so an endpoint's entries sort in commit order and
 * the events of one message in the order they happened. The value holds everything an attempt needs: the
 * webhook-id (the same on every retry), when the event happened, the message it is about, and the body.
 */
public final class WebhookOutbox implements EventOutbox {
    /** One stored event. {@code message} orders events ("" when none: each stands alone). */
    public record Entry(byte[] key, String id, String type, long createdMillis, String message, byte[] body) {
        long seq() {
            return ByteBuffer.wrap(key, key.length - 8, 8).getLong();
        }
    }

    /** A record before it has its key. */
    record Draft(String id, String type, long createdMillis, String message, byte[] body) {}

    private volatile List<WebhookConfig> endpoints; // replaced by a reload
    private final AtomicLong seq = new AtomicLong();
    /** Entries waiting per endpoint: counted at open, added to as they are written, subtracted from by the sender. */
    private final Map<String, AtomicLong> waiting = new java.util.concurrent.ConcurrentHashMap<>();

    private WebhookOutbox(List<WebhookConfig> endpoints) {
        this.endpoints = List.copyOf(endpoints);
        for (WebhookConfig c : endpoints) waiting.put(c.name(), new AtomicLong());
    }

    /**
     * The endpoints of a reload: events from now on are stored for {@code next}. An endpoint no longer configured
     * loses its waiting events, as at start (said in a warning with their number); a new one starts empty.
     */
    void reconfigure(Spool spool, List<WebhookConfig> next) throws SpoolException {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (WebhookConfig c : next) {
            names.add(c.name());
            waiting.computeIfAbsent(c.name(), n -> new AtomicLong());
        }
        this.endpoints = List.copyOf(next);
        for (String gone : List.copyOf(waiting.keySet())) {
            if (names.contains(gone)) continue;
            AtomicLong n = waiting.remove(gone);
            spool.outbox().deleteRange(start(gone), end(gone));
            org.slf4j.LoggerFactory.getLogger(WebhookOutbox.class).warn(
                    "webhooks: endpoint \"{}\" is no longer configured: its {} waiting event(s) are deleted", gone,
                    n == null ? 0 : Math.max(0, n.get()));
        }
    }

    /**
     * The outbox of {@code endpoints}; the sequence continues after the greatest key stored. Entries of endpoints no
     * longer configured are deleted (their count is returned through {@code removed}).
     */
    static WebhookOutbox open(Spool spool, List<WebhookConfig> endpoints) throws SpoolException {
        WebhookOutbox o = new WebhookOutbox(endpoints);
        long max = 0;
        byte[] from = new byte[0];
        // Skip-scan: one seek per endpoint name present (configured or not).
        for (List<OutboxFamily.Entry> page; !(page = spool.outbox().page(from, null, 1)).isEmpty(); ) {
            byte[] k = page.get(0).key();
            String name = nameOf(k);
            byte[] last = spool.outbox().lastKeyBefore(end(name));
            if (last != null && last.length >= 8) max = Math.max(max, ByteBuffer.wrap(last, last.length - 8, 8).getLong());
            if (o.waiting.containsKey(name)) {
                long n = 0;
                byte[] at = start(name);
                for (List<OutboxFamily.Entry> p; !(p = spool.outbox().page(at, end(name), 1000)).isEmpty(); ) {
                    n += p.size();
                    at = successor(p.get(p.size() - 1).key());
                }
                o.waiting.get(name).set(n);
            } else {
                org.slf4j.LoggerFactory.getLogger(WebhookOutbox.class)
                        .warn("webhooks: endpoint \"{}\" is no longer configured: its waiting events are deleted", name);
                spool.outbox().deleteRange(start(name), end(name));
            }
            from = end(name);
        }
        o.seq.set(max);
        return o;
    }

    /** The counter of entries waiting for {@code endpoint}, made for an endpoint a reload adds. */
    AtomicLong waitingOrNew(String endpoint) {
        return waiting.computeIfAbsent(endpoint, n -> new AtomicLong());
    }

    /** The counter of entries waiting for {@code endpoint}. */
    AtomicLong waiting(String endpoint) {
        return waiting.get(endpoint);
    }

    /** The smallest key after {@code key}. */
    static byte[] successor(byte[] key) {
        byte[] next = java.util.Arrays.copyOf(key, key.length + 1);
        return next;
    }

    @Override
    public OutboxRecords recordsFor(List<DeliveryEvent> events) {
        List<Map.Entry<String, Draft>> drafts = new ArrayList<>();
        for (DeliveryEvent e : events) {
            if (!WebhookConfig.EVENTS.contains(e.event())) continue;
            Draft d = null;
            for (WebhookConfig c : endpoints) { // one reading per event: a reload in between is seen by the next
                if (!c.events().contains(e.event())) continue;
                if (d == null) d = draft(e);
                drafts.add(Map.entry(c.name(), d));
            }
        }
        return drafts.isEmpty() ? OutboxRecords.NONE : records(drafts);
    }

    /** Entries for drafts; keys are numbered when the spool's batch is assembled. */
    OutboxRecords records(List<Map.Entry<String, Draft>> drafts) {
        return put -> {
            for (Map.Entry<String, Draft> d : drafts) {
                put.accept(key(d.getKey(), seq.incrementAndGet()), encode(d.getValue()));
                AtomicLong n = waiting.get(d.getKey());
                if (n != null) n.incrementAndGet();
            }
        };
    }

    /** The stored form of an event: its body is the Standard Webhooks payload around the delivery-log line. */
    static Draft draft(DeliveryEvent e) {
        ByteArrayOutputStream line = new ByteArrayOutputStream(512);
        try {
            DeliveryLog.encode(e, line);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        byte[] data = line.toByteArray();
        int n = data.length;
        while (n > 0 && (data[n - 1] == '\n')) n--;
        return draft(e.event(), e.ts(), message(e), java.util.Arrays.copyOf(data, n));
    }

    /** An event from its delivery-log line ({@code data}: one JSON object, as the log wrote it). */
    static Draft draft(String type, Instant ts, String message, byte[] data) {
        byte[] head = ("{\"type\":\"" + type + "\",\"timestamp\":\"" + DateTimeFormatter.ISO_INSTANT.format(ts)
                + "\",\"data\":").getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + data.length + 1];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(data, 0, body, head.length, data.length);
        body[body.length - 1] = '}';
        return new Draft(idOf(data), type, ts.toEpochMilli(), message == null ? "" : message, body);
    }

    /**
     * The webhook-id: a digest of the event's delivery-log line, so a replay from the log sends an event with the
     * id it had the first time (a receiver that keeps ids sees it again as the same event).
     */
    static String idOf(byte[] data) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(data);
            return "msg_" + HexFormat.of().formatHex(h, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String message(DeliveryEvent e) {
        return switch (e) {
            case DeliveryEvent.Received r -> r.queueId();
            case DeliveryEvent.Attempt a -> a.queueId(); // one message's events in order, all recipients
            default -> null;
        };
    }

    static byte[] key(String endpoint, long seq) {
        byte[] name = endpoint.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(name.length + 9).put(name).put((byte) 0).putLong(seq).array();
    }

    /** The first key of an endpoint's entries, and the key after its last. */
    static byte[] start(String endpoint) {
        byte[] name = endpoint.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(name.length + 1).put(name).put((byte) 0).array();
    }

    static byte[] end(String endpoint) {
        byte[] name = endpoint.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(name.length + 1).put(name).put((byte) 1).array();
    }

    private static String nameOf(byte[] key) {
        int i = 0;
        while (i < key.length && key[i] != 0) i++;
        return new String(key, 0, i, StandardCharsets.UTF_8);
    }

    static byte[] encode(Draft d) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(d.body().length + 96);
        try (DataOutputStream out = new DataOutputStream(buf)) {
            out.writeByte(1);
            out.writeUTF(d.id());
            out.writeUTF(d.type());
            out.writeLong(d.createdMillis());
            out.writeUTF(d.message());
            out.writeInt(d.body().length);
            out.write(d.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    static Entry decode(byte[] key, byte[] value) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
            int version = in.readByte();
            if (version != 1) throw new IOException("unknown outbox record version " + version);
            String id = in.readUTF();
            String type = in.readUTF();
            long created = in.readLong();
            String message = in.readUTF();
            byte[] body = new byte[in.readInt()];
            in.readFully(body);
            return new Entry(key, id, type, created, message, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
