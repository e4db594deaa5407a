package sluice.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.resps.StreamEntry;
import sluice.policy.SuppressionChange;
import sluice.policy.SuppressionList;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * The suppression list shared through Redis, with a whole local copy on every node (lookups never leave the JVM).
 * Redis holds the list ({@code sluice:{suppression}:entries}, a hash: field "DOMAIN:ADDRESS", value "MILLIS
 * REASON") and a stream of changes ({@code sluice:{suppression}:log}, trimmed to about {@link #LOG_LENGTH}). This
 * node's changes go out through the {@link SuppressionOutbox} (hash and stream written by one script per batch);
 * one thread follows the stream a few times a second and applies every change to the local list, in stream order.
 * A node that is new, or whose last read entry was trimmed away, or that finds Redis emptied (a restart without
 * persistence changes {@code sluice:{suppression}:epoch}) syncs with the hash first. A new node or a new epoch
 * ("join") first replays the stream of the epoch (so a removal another node published is not undone), then pushes
 * the local entries Redis lacks, then takes the hash's; a node that fell behind takes the hash as the list.
 *
 * <p>Cost: one call per batch of up to {@link #BATCH} local changes, one call per poll ({@link #POLL_MILLIS}),
 * whatever the traffic; lookups make none.
 */
public final class SuppressionReplica implements SuppressionList.Replica {
    private static final Logger log = LoggerFactory.getLogger(SuppressionReplica.class);
    static final String ENTRIES = "sluice:{suppression}:entries";
    static final String LOG = "sluice:{suppression}:log";
    static final String EPOCH = "sluice:{suppression}:epoch";
    static final long LOG_LENGTH = 100_000;
    static final int OUTBOX = 100_000;
    static final long POLL_MILLIS = 200;
    static final int BATCH = 500;
    static final int READ = 1_000;
    private static final String STATE_LAST_ID = "suppression-replica/last-id";
    private static final String STATE_EPOCH = "suppression-replica/epoch";
    private static final Script PUBLISH = Script.of("suppression-publish", """
            for i = 3, #ARGV, 3 do
              if ARGV[i] == 'put' then
                redis.call('HSET', KEYS[1], ARGV[i + 1], ARGV[i + 2])
              else
                redis.call('HDEL', KEYS[1], ARGV[i + 1])
              end
              redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', 'op', ARGV[i], 'key', ARGV[i + 1],
                'value', ARGV[i + 2], 'node', ARGV[2])
            end
            return #ARGV
            """);
    // One call per poll: the epoch (created if Redis lost it) and the stream from the last entry read (inclusive,
    // so a trimmed-away last entry shows as a gap).
    private static final Script FOLLOW = Script.of("suppression-follow", """
            local e = redis.call('GET', KEYS[2])
            if not e then
              redis.call('SET', KEYS[2], ARGV[3])
              e = ARGV[3]
            end
            return {e, redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])}
            """);

    private final RedisLink redis;
    private final ClusterHealth health;
    private final SuppressionList list;
    private final Spool spool;
    private final String node;
    private final SuppressionOutbox outbox;
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final Object signal = new Object();
    private final Thread thread;
    private volatile boolean closing;
    private volatile boolean pushAll; // the outbox overflowed: push the whole list once Redis answers
    private String epoch; // this thread's
    private String lastId; // this thread's

    private SuppressionReplica(Cluster cluster, SuppressionList list, Spool spool, SuppressionOutbox outbox,
                               String epoch, String lastId) {
        this.redis = cluster.redis();
        this.health = cluster.health();
        this.list = list;
        this.spool = spool;
        this.node = cluster.nodeName();
        this.outbox = outbox;
        this.epoch = epoch;
        this.lastId = lastId;
        this.thread = Thread.ofPlatform().name("suppression-replica").daemon(true).unstarted(this::run);
    }

    /** Attaches a replica to {@code list} and starts following; the list closes it. */
    public static SuppressionReplica start(Cluster cluster, SuppressionList list, Spool spool) throws SpoolException {
        SuppressionOutbox outbox = SuppressionOutbox.load(spool, OUTBOX);
        Map<String, byte[]> state = spool.state().read("suppression-replica/");
        SuppressionReplica r = new SuppressionReplica(cluster, list, spool, outbox, text(state.get(STATE_EPOCH)),
                text(state.get(STATE_LAST_ID)));
        if (outbox.size() > 0) log.info("suppression replica: {} changes made while Redis was unreachable wait to be published", outbox.size());
        list.replicateTo(r);
        cluster.health().onChange(r::wake);
        r.thread.start();
        return r;
    }

    @Override
    public void changed(SuppressionChange c) {
        if (!outbox.add(c)) pushAll = true;
        wake();
    }

    /** Changes waiting to be published. */
    public int waiting() {
        return outbox.size();
    }

    /** Changes kept local only because the outbox was full (pushed with the whole list later). */
    public long overflowed() {
        return outbox.overflowed();
    }

    /** Changes from other nodes applied here, since start. */
    public long applied() {
        return applied.get();
    }

    /** Changes of this node published, since start. */
    public long published() {
        return published.get();
    }

    private void wake() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    private void run() {
        long lastWarning = System.nanoTime() - 60_000_000_000L;
        while (!closing) {
            boolean more = false;
            boolean failed = !health.shared();
            try {
                if (!failed) more = cycle();
            } catch (RedisUnavailable e) {
                failed = true;
                // unreachable: the node's health has said so once; an error answer (a script refused) is ours to say
                if (health.shared() && System.nanoTime() - lastWarning > 60_000_000_000L) {
                    lastWarning = System.nanoTime();
                    log.warn("suppression replica: {}", e.getMessage());
                }
            } catch (IOException | RuntimeException e) {
                failed = true;
                log.error("suppression replica: {}", e.toString(), e);
            }
            try {
                if (failed && outbox.hasUnstored()) outbox.storeWaiting();
            } catch (SpoolException e) {
                log.error("suppression replica: changes waiting for Redis not stored: {}", e.getMessage());
            }
            if (more) continue;
            synchronized (signal) {
                try {
                    if (!closing && (outbox.size() == 0 || !health.shared())) signal.wait(POLL_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Publishes what waits, then reads the stream once; true when more is to be read at once. */
    private boolean cycle() throws RedisUnavailable, IOException {
        publishOutbox();
        List<?> answer = (List<?>) redis.eval(FOLLOW, List.of(LOG, EPOCH),
                List.of(lastId == null ? "0-0" : lastId, Integer.toString(READ + 1), UUID.randomUUID().toString()));
        String redisEpoch = text(answer.get(0));
        List<?> entries = (List<?>) answer.get(1);
        if (!redisEpoch.equals(epoch) || lastId == null || pushAll) {
            sync(redisEpoch, true);
            return false;
        }
        boolean first = true;
        List<SuppressionChange> changes = new ArrayList<>();
        String last = lastId;
        for (Object o : entries) {
            List<?> e = (List<?>) o;
            String id = text(e.get(0));
            if (first && !lastId.equals("0-0") && !id.equals(lastId)) {
                log.info("suppression replica: the changes after {} were trimmed from Redis before this node read "
                        + "them: syncing with the whole list", lastId);
                sync(redisEpoch, false);
                return false;
            }
            if (!first || lastId.equals("0-0")) {
                SuppressionChange c = change(fields((List<?>) e.get(1)));
                if (c != null && !outbox.waiting(field(c.domain(), c.address()))) changes.add(c);
            }
            first = false;
            last = id;
        }
        if (first && !lastId.equals("0-0")) {
            sync(redisEpoch, false); // the stream is gone while the epoch stayed: the hash is what is left
            return false;
        }
        if (!changes.isEmpty()) applied.addAndGet(list.apply(changes));
        if (!last.equals(lastId)) {
            lastId = last;
            spool.state().put(STATE_LAST_ID, last.getBytes(StandardCharsets.UTF_8));
        }
        return entries.size() > READ;
    }

    private void publishOutbox() throws RedisUnavailable, SpoolException {
        while (true) {
            List<SuppressionOutbox.Item> batch = outbox.peek(BATCH);
            if (batch.isEmpty()) return;
            List<String> args = new ArrayList<>(2 + 3 * batch.size());
            args.add(Long.toString(LOG_LENGTH));
            args.add(node);
            for (SuppressionOutbox.Item i : batch) addArgs(args, i.change);
            redis.eval(PUBLISH, List.of(ENTRIES, LOG), args);
            outbox.published(batch);
            published.addAndGet(batch.size());
        }
    }

    /**
     * Brings the local list in line with Redis's hash. {@code join} (a new node, an emptied Redis, an overflowed
     * outbox): first pushes the local entries Redis lacks, and removes nothing. Otherwise (fell behind the stream)
     * the hash is the list: local entries it lacks are removed.
     */
    private void sync(String redisEpoch, boolean join) throws RedisUnavailable, IOException {
        long started = System.nanoTime();
        pushAll = false;
        int replayed = 0;
        String from;
        if (join) {
            // first what the fleet did since this epoch began: a removal made by a node while Redis was gone must
            // not be undone by this node pushing the entry back
            from = "0-0";
            while (true) {
                String start = from.equals("0-0") ? "-" : "(" + from;
                List<StreamEntry> page = redis.call(j -> j.xrange(LOG, start, "+", READ));
                if (page.isEmpty()) break;
                List<SuppressionChange> changes = new ArrayList<>();
                for (StreamEntry e : page) {
                    SuppressionChange c = change(e.getFields());
                    if (c != null && !outbox.waiting(field(c.domain(), c.address()))) changes.add(c);
                }
                replayed += list.apply(changes);
                from = page.get(page.size() - 1).getID().toString();
            }
        } else {
            List<StreamEntry> tail = redis.call(j -> j.xrevrange(LOG, "+", "-", 1));
            from = tail.isEmpty() ? "0-0" : tail.get(0).getID().toString();
        }
        int pushed = 0;
        int removed = 0;
        String after = null;
        do {
            SuppressionList.Page page = list.page(after, BATCH);
            after = page.next();
            if (page.entries().isEmpty()) break;
            String[] fields = page.entries().stream().map(e -> field(e.domain(), e.address())).toArray(String[]::new);
            List<String> values = redis.call(j -> j.hmget(ENTRIES, fields));
            List<String> args = new ArrayList<>(List.of(Long.toString(LOG_LENGTH), node));
            List<SuppressionChange> gone = new ArrayList<>();
            for (int i = 0; i < fields.length; i++) {
                if (values.get(i) != null) continue;
                SuppressionList.Entry e = page.entries().get(i);
                if (join) addArgs(args, new SuppressionChange.Put(e));
                else if (!outbox.waiting(fields[i])) gone.add(new SuppressionChange.Removal(e.domain(), e.address()));
            }
            if (args.size() > 2) redis.eval(PUBLISH, List.of(ENTRIES, LOG), args);
            pushed += (args.size() - 2) / 3;
            removed += list.apply(gone);
        } while (after != null);
        int added = 0;
        String cursor = "0";
        do {
            String c = cursor;
            var scan = redis.call(j -> j.hscan(ENTRIES, c, new redis.clients.jedis.params.ScanParams().count(READ)));
            List<SuppressionChange> puts = new ArrayList<>();
            for (Map.Entry<String, String> e : scan.getResult()) {
                SuppressionChange p = put(e.getKey(), e.getValue());
                if (p != null && !outbox.waiting(e.getKey())) puts.add(p);
            }
            added += list.apply(puts);
            cursor = scan.getCursor();
        } while (!cursor.equals("0"));
        epoch = redisEpoch;
        lastId = from;
        spool.state().putAll(Map.of(STATE_EPOCH, redisEpoch.getBytes(StandardCharsets.UTF_8),
                STATE_LAST_ID, from.getBytes(StandardCharsets.UTF_8)));
        applied.addAndGet(replayed + added + removed);
        log.info("suppression replica: synced with Redis in {} ms: {} changes replayed, {} entries pushed, {} added "
                + "here, {} removed here", (System.nanoTime() - started) / 1_000_000, replayed, pushed, added, removed);
    }

    /** Stops following; what waits for Redis is kept in the spool's state for the next start. */
    @Override
    public void close() {
        closing = true;
        wake();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            outbox.close();
        } catch (SpoolException e) {
            log.error("suppression replica: {} changes waiting for Redis NOT kept: {}", outbox.size(), e.getMessage());
        }
    }

    static String field(String domain, String address) {
        return domain + ":" + address;
    }

    private static void addArgs(List<String> args, SuppressionChange c) {
        switch (c) {
            case SuppressionChange.Put p -> {
                args.add("put");
                args.add(field(p.domain(), p.address()));
                args.add(p.entry().added().toEpochMilli() + " " + p.entry().reason());
            }
            case SuppressionChange.Removal r -> {
                args.add("del");
                args.add(field(r.domain(), r.address()));
                args.add("");
            }
        }
    }

    /** A stream entry's fields (op, key, value, node) as a change, or null when unreadable. */
    private static SuppressionChange change(Map<String, String> fields) {
        String op = fields.get("op");
        String key = fields.get("key");
        if ("put".equals(op)) return put(key, fields.get("value"));
        int colon = key == null ? -1 : key.indexOf(':');
        if (!"del".equals(op) || colon <= 0) return null;
        return new SuppressionChange.Removal(key.substring(0, colon), key.substring(colon + 1));
    }

    /** The fields of a stream entry as a script returns them: [name, value, name, value, …]. */
    private static Map<String, String> fields(List<?> flat) {
        Map<String, String> out = new java.util.HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) out.put(text(flat.get(i)), text(flat.get(i + 1)));
        return out;
    }

    private static SuppressionChange put(String key, String value) {
        int colon = key == null ? -1 : key.indexOf(':');
        int space = value == null ? -1 : value.indexOf(' ');
        if (colon <= 0 || space <= 0) return null;
        try {
            return new SuppressionChange.Put(new SuppressionList.Entry(key.substring(0, colon), key.substring(colon + 1),
                    value.substring(space + 1), Instant.ofEpochMilli(Long.parseLong(value.substring(0, space)))));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String text(Object o) {
        if (o == null) return null;
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
