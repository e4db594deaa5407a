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
 *
 * <p>Cluster mode adds a {@link Shared} store (Redis): a key is claimed there too, so the same key sent to node A
 * and then to node B gets A's answer from B and queues nothing on B. While the shared store cannot answer, each
 * node goes on with its own records only (a key is then only per node; logged).
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
    private final Shared shared;
    private volatile long lastSharedWarning = System.nanoTime() - 60_000_000_000L;

    /**
     * The records of every node (cluster mode), beside this node's own. Each call is one round trip with a
     * millisecond timeout.
     */
    public interface Shared {
        /**
         * Stores {@code pending} under {@code recordKey} for {@code ttl} unless a record is there already.
         *
         * @return null when this call stored it (the key is this node's), else the record found
         * @throws Unavailable when the shared store cannot answer now
         */
        byte[] claim(String recordKey, byte[] pending, Duration ttl) throws Unavailable;

        /** Replaces the record (the request's answer), keeping its expiry. */
        void store(String recordKey, byte[] record) throws Unavailable;

        void forget(String recordKey) throws Unavailable;
    }

    /** The shared store did not answer (Redis down or slow): the node keeps to its own records. */
    public static final class Unavailable extends Exception {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What to do with a request that carries a key. */
    public sealed interface Claim {
        /** The first request's answer, to give again. */
        record Replay(int status, byte[] body) implements Claim {}

        /** 409 or 422: {@code error} says why. */
        record Conflict(int status, String error) implements Claim {}

        /**
         * Go ahead, then {@link Idempotency#finish} (or {@link Idempotency#abandon}) this ticket; {@code shared}
         * when the key was claimed in the shared store too.
         */
        record Fresh(String recordKey, String requestHash, boolean shared) implements Claim {}
    }

    public Idempotency(Spool spool, Clock clock) throws SpoolException {
        this(spool, clock, MAX_ENTRIES);
    }

    public Idempotency(Spool spool, Clock clock, int maxEntries) throws SpoolException {
        this(spool, clock, maxEntries, null);
    }

    /** @param shared the fleet's records (cluster mode), or null on a single node */
    public Idempotency(Spool spool, Clock clock, int maxEntries, Shared shared) throws SpoolException {
        this.shared = shared;
        this.spool = spool;
        this.clock = clock;
        this.maxEntries = maxEntries;
        List<Map.Entry<String, Long>> stored = new ArrayList<>();
        for (var e : spool.state().read(PREFIX).entrySet()) {
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
            byte[] stored = spool.state().read(recordKey).get(recordKey);
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
            Record pending = new Record(clock.millis(), hash, 0, new byte[0]);
            boolean claimedShared = false;
            if (shared != null) {
                try {
                    byte[] other = shared.claim(recordKey, pending.write(), TTL);
                    if (other != null) return elsewhere(Record.read(other), hash);
                    claimedShared = true;
                } catch (Unavailable e) {
                    warnShared(e);
                }
            }
            expire(1);
            spool.state().put(recordKey, pending.write());
            track(recordKey);
            fresh = true;
            return new Claim.Fresh(recordKey, hash, claimedShared);
        } finally {
            if (!fresh) running.remove(recordKey);
        }
    }

    /** Stores the answer, synced (and in the shared store), before it is sent. */
    public void finish(Claim.Fresh ticket, int status, byte[] body) throws SpoolException {
        try {
            Record r = new Record(createdOf(ticket.recordKey()), ticket.requestHash(), status, body);
            spool.state().put(ticket.recordKey(), r.write());
            if (ticket.shared()) {
                try {
                    shared.store(ticket.recordKey(), r.write());
                } catch (Unavailable e) {
                    // the shared record stays pending: another node answers 409 for this key, never queues it twice
                    warnShared(e);
                }
            }
        } finally {
            running.remove(ticket.recordKey());
        }
    }

    /** Forgets the key: the request was refused for a passing reason (429, 503), so a retry may go ahead. */
    public void abandon(Claim.Fresh ticket) throws SpoolException {
        try {
            spool.state().removeAll(List.of(ticket.recordKey()));
            synchronized (created) {
                created.remove(ticket.recordKey());
            }
            if (ticket.shared()) {
                try {
                    shared.forget(ticket.recordKey());
                } catch (Unavailable e) {
                    warnShared(e); // the key stays claimed (409 elsewhere) until it expires: nothing is sent twice
                }
            }
        } finally {
            running.remove(ticket.recordKey());
        }
    }

    /** Lets the next request with the key in; its record stays as it is (pending: the outcome is unknown). */
    public void release(Claim.Fresh ticket) {
        running.remove(ticket.recordKey());
    }

    /** The answer to a key another node claimed first (its record from the shared store). */
    private static Claim elsewhere(Record r, String hash) {
        if (r == null) return new Claim.Conflict(409, "this Idempotency-Key's record on another node is unreadable; use a new key");
        if (!r.requestHash().equals(hash)) {
            return new Claim.Conflict(422, "this Idempotency-Key was used with a different request in the last 24 hours; use a new key");
        }
        if (r.status() == 0) {
            return new Claim.Conflict(409, "a request with this Idempotency-Key is in progress on another node (or was "
                    + "interrupted there); retry when it has finished, or check the queue before sending with a new key");
        }
        return new Claim.Replay(r.status(), r.body());
    }

    private void warnShared(Unavailable e) {
        long now = System.nanoTime();
        if (now - lastSharedWarning < 60_000_000_000L) return;
        lastSharedWarning = now;
        log.warn("idempotency: the cluster's shared records cannot be reached ({}): Idempotency-Keys are checked on "
                + "this node only until they can", e.getMessage());
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
        spool.state().removeAll(gone);
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
