package sluice.send;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * {@code Idempotency-Key} for the send API: the same key from the same API user with the same request within
 * {@link #TTL} gets the first answer again and queues nothing; the same key with another request is a 422; a key
 * whose first request is still running is a 409. Records live in the spool's durable "state" (RocksDB, synced), so
 * a restart forgets nothing: a record is written as <em>pending</em> before anything is queued and as the answer
 * before the answer goes out, so a crash between the two leaves a pending record, which refuses a retry (409: the
 * outcome is unknown) instead of queueing a second time. Bounded: records expire after {@link #TTL}, and beyond
 * {@code maxEntries} the oldest go early (logged).
 */
public final class Idempotency {
    private static final Logger log = LoggerFactory.getLogger(Idempotency.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final Duration TTL = Duration.ofHours(24);
    /** Enough for a day of the bulk CLI's rows (one key each) at 1 per second; at about 300 bytes each, 60 MB. */
    public static final int MAX_ENTRIES = 200_000;
    public static final int MAX_KEY_LENGTH = 255;
    private static final String PREFIX = "idempotency/";

    private final Spool spool;
    private final Clock clock;
    private final int maxEntries;
    /** Stored record keys by creation time (oldest first), for expiry and the cap: small, the bodies stay on disk. */
    private final LinkedHashMap<String, Long> created = new LinkedHashMap<>();
    /** Record keys whose first request is running now: a second request with the key waits for nothing, it gets 409. */
    private final Map<String, Boolean> running = new ConcurrentHashMap<>();

    /** What to do with a request that carries a key. */
    public sealed interface Claim {
        /** The first request's answer, to give again. */
        record Replay(int status, byte[] body) implements Claim {}

        /** 409 or 422: {@code error} says why. */
        record Conflict(int status, String error) implements Claim {}

        /** Go ahead, then {@link Idempotency#finish} (or {@link Idempotency#abandon}) this ticket. */
        record Fresh(String recordKey, String requestHash) implements Claim {}
    }

    public Idempotency(Spool spool, Clock clock) throws SpoolException {
        this(spool, clock, MAX_ENTRIES);
    }

    public Idempotency(Spool spool, Clock clock, int maxEntries) throws SpoolException {
        this.spool = spool;
        this.clock = clock;
        this.maxEntries = maxEntries;
        List<Map.Entry<String, Long>> stored = new ArrayList<>();
        for (var e : spool.readState(PREFIX).entrySet()) {
            Record r = Record.read(e.getValue());
            stored.add(Map.entry(e.getKey(), r == null ? 0L : r.created()));
        }
        stored.sort(Map.Entry.comparingByValue());
        synchronized (created) {
            for (var e : stored) created.put(e.getKey(), e.getValue());
        }
        expire(0);
    }

    /** Null when {@code key} is acceptable, else what is wrong with it. */
    public static String problem(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) return "Idempotency-Key must be 1 to " + MAX_KEY_LENGTH + " characters";
        if (!key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) return "Idempotency-Key must be printable ASCII without spaces";
        return null;
    }

    /** What makes two requests the same (the content type, the query and the body, say), hashed without a copy. */
    public static String requestHash(byte[]... parts) {
        MessageDigest d = sha256();
        for (byte[] p : parts) d.update(p);
        return HexFormat.of().formatHex(d.digest());
    }

    /** @param hash the request's {@link #requestHash} */
    public Claim claim(String user, String key, String hash) throws SpoolException {
        String recordKey = PREFIX + requestHash((user + "\0" + key).getBytes(StandardCharsets.UTF_8));
        expire(0);
        if (running.putIfAbsent(recordKey, true) != null) {
            return new Claim.Conflict(409, "a request with this Idempotency-Key is in progress; retry when it has finished");
        }
        boolean fresh = false;
        try {
            byte[] stored = spool.readState(recordKey).get(recordKey);
            Record r = stored == null ? null : Record.read(stored);
            if (r != null && clock.millis() - r.created() < TTL.toMillis()) {
                if (!r.requestHash().equals(hash)) {
                    return new Claim.Conflict(422, "this Idempotency-Key was used with a different request in the last 24 hours; use a new key");
                }
                if (r.status() == 0) {
                    return new Claim.Conflict(409, "the first request with this Idempotency-Key was interrupted (the server stopped); "
                            + "whether it was queued is unknown: check the queue or the delivery log before sending again with a new key");
                }
                return new Claim.Replay(r.status(), r.body());
            }
            expire(1);
            spool.putState(recordKey, new Record(clock.millis(), hash, 0, new byte[0]).write());
            track(recordKey);
            fresh = true;
            return new Claim.Fresh(recordKey, hash);
        } finally {
            if (!fresh) running.remove(recordKey);
        }
    }

    /** Stores the answer, synced, before it is sent. */
    public void finish(Claim.Fresh ticket, int status, byte[] body) throws SpoolException {
        try {
            Record r = new Record(createdOf(ticket.recordKey()), ticket.requestHash(), status, body);
            spool.putState(ticket.recordKey(), r.write());
        } finally {
            running.remove(ticket.recordKey());
        }
    }

    /** Forgets the key: the request was refused for a passing reason (429, 503), so a retry may go ahead. */
    public void abandon(Claim.Fresh ticket) throws SpoolException {
        try {
            spool.removeStates(List.of(ticket.recordKey()));
            synchronized (created) {
                created.remove(ticket.recordKey());
            }
        } finally {
            running.remove(ticket.recordKey());
        }
    }

    /** Lets the next request with the key in; its record stays as it is (pending: the outcome is unknown). */
    public void release(Claim.Fresh ticket) {
        running.remove(ticket.recordKey());
    }

    private long createdOf(String recordKey) {
        synchronized (created) {
            return created.getOrDefault(recordKey, clock.millis());
        }
    }

    private void track(String recordKey) {
        synchronized (created) {
            created.remove(recordKey); // an expired record used again moves to the end
            created.put(recordKey, clock.millis());
        }
    }

    /** Removes records past their 24 hours, and the oldest beyond the cap, leaving {@code room} for new ones. */
    private void expire(int room) throws SpoolException {
        List<String> gone = new ArrayList<>();
        long now = clock.millis();
        int early = 0;
        synchronized (created) {
            Iterator<Map.Entry<String, Long>> it = created.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<String, Long> e = it.next();
                boolean old = now - e.getValue() >= TTL.toMillis();
                boolean over = created.size() - gone.size() + room > maxEntries;
                if ((!old && !over) || running.containsKey(e.getKey())) break;
                if (!old) early++;
                gone.add(e.getKey());
                it.remove();
            }
        }
        if (early > 0) log.warn("idempotency: more than {} keys in 24 hours; forgot the {} oldest early", maxEntries, early);
        spool.removeStates(gone);
    }

    /** Stored with {@code status} 0 while the first request runs. */
    private record Record(long created, String requestHash, int status, byte[] body) {
        byte[] write() {
            ObjectNode n = JSON.createObjectNode().put("created", created).put("request", requestHash).put("status", status)
                    .put("body", Base64.getEncoder().encodeToString(body));
            return n.toString().getBytes(StandardCharsets.UTF_8);
        }

        static Record read(byte[] stored) {
            try {
                var n = JSON.readTree(stored);
                return new Record(n.path("created").asLong(), n.path("request").asText(), n.path("status").asInt(),
                        Base64.getDecoder().decode(n.path("body").asText()));
            } catch (IOException | IllegalArgumentException e) {
                log.warn("idempotency: a stored record is unreadable ({}); it is treated as expired", e.getMessage());
                return null;
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
