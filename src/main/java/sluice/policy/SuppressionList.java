package sluice.policy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import sluice.spool.Spool;
import sluice.spool.SpoolException;

/**
 * Recipients that must not get mail, per sending domain or for every sender ({@code "*"}), kept in the spool's
 * RocksDB (column family "suppression", fit for millions of entries). Lookups ask an in-memory fingerprint index
 * ({@link SuppressionIndex}) and the changes not yet written; only a hit reads its entry (reason, date) from
 * RocksDB. Changes go through one writer thread in batches ({@link SuppressionWriter}): a hard bounce never waits
 * for a disk, an operator's change is answered once it is fsynced. A change is visible to lookups as soon as it
 * is queued. Thread-safe.
 */
public final class SuppressionList implements AutoCloseable {
    public static final String ALL_SENDERS = "*";
    /** A reason is shown in the 550 reply to every later RCPT: it must fit on one reply line with the address. */
    public static final int MAX_REASON = 200;
    public static final int DEFAULT_BUFFER = 65_536;
    private static final Duration OPERATOR_WAIT = Duration.ofSeconds(60);
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SuppressionList.class);

    /** One suppressed recipient; {@code domain} is a sending domain or {@link #ALL_SENDERS}. */
    public record Entry(String domain, String address, String reason, Instant added) {}

    /** One page of the list in key order; {@code next} is the cursor of the next page, null on the last. */
    public record Page(List<Entry> entries, String next) {}

    /** What a batch of puts did. */
    public record Counts(int added, int updated) {}

    /**
     * Where this node's own changes go besides RocksDB (cluster mode: to the other nodes through Redis). Called on
     * the changing thread (a delivery thread for a hard bounce), so it only queues; closed with the list, before
     * the writer stops.
     */
    public interface Replica extends AutoCloseable {
        Replica NONE = new Replica() {
            public void changed(SuppressionChange c) {}

            public void close() {}
        };

        void changed(SuppressionChange c);

        @Override
        void close();
    }

    private final Spool spool;
    private final Clock clock;
    private final SuppressionIndex index = new SuppressionIndex();
    // Changes queued but not yet stored, latest per key: what lookups see before RocksDB has it. Bounded by the
    // writer's buffer (an entry leaves when its batch is stored).
    private final Map<SuppressionKey, SuppressionWriter.Change> unwritten = new ConcurrentHashMap<>();
    // Orders "queue a change" against "a batch was stored" so the newest change of a key is never forgotten.
    private final ReentrantLock order = new ReentrantLock();
    private final SuppressionWriter writer;
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong refusedReported = new AtomicLong();
    private volatile long lastReportNanos = System.nanoTime() - TimeUnit.MINUTES.toNanos(1);
    private volatile Replica replica = Replica.NONE;

    private SuppressionList(Spool spool, Clock clock, int buffer) {
        this.spool = spool;
        this.clock = clock;
        this.writer = new SuppressionWriter(spool, buffer, this::stored);
    }

    /**
     * Opens the list in {@code spool}: migrates {@code <dataDir>/suppression.json} of an older Sluice once (its
     * entries stored, the file renamed to suppression.json.migrated), then loads the index.
     *
     * @throws IOException if suppression.json is damaged (the message names the file) or the spool fails
     */
    public static SuppressionList open(Spool spool, Path dataDir, Clock clock) throws IOException {
        return open(spool, dataDir, clock, DEFAULT_BUFFER);
    }

    public static SuppressionList open(Spool spool, Path dataDir, Clock clock, int buffer) throws IOException {
        List<Entry> legacy = LegacySuppressionFile.read(dataDir);
        try {
            if (legacy != null) {
                for (int i = 0; i < legacy.size(); i += SuppressionWriter.MAX_BATCH) {
                    List<Map.Entry<byte[], byte[]>> batch = new ArrayList<>();
                    for (Entry e : legacy.subList(i, Math.min(legacy.size(), i + SuppressionWriter.MAX_BATCH))) {
                        batch.add(new AbstractMap.SimpleImmutableEntry<>(
                                new SuppressionKey(e.domain(), e.address()).bytes(), encode(e)));
                    }
                    spool.suppressions().write(batch);
                }
                Path renamed = LegacySuppressionFile.retire(dataDir);
                log.info("suppression list: migrated {} entries from {} into the spool's database; the file is now {}",
                        legacy.size(), dataDir.resolve(LegacySuppressionFile.FILE), renamed);
            }
            SuppressionList list = new SuppressionList(spool, clock, buffer);
            byte[][] after = {null};
            boolean more;
            do {
                more = spool.suppressions().scan(after[0], 100_000, (k, v) -> {
                    list.index.add(SuppressionKey.fingerprint(k));
                    after[0] = k;
                });
            } while (more);
            return list;
        } catch (SpoolException e) {
            throw new IOException("suppression list: " + e.getMessage(), e);
        }
    }

    /**
     * True when {@code recipient} is suppressed for {@code senderDomain} or for every sender. A null or empty
     * sender domain (the null sender) matches only the entries for every sender. Never leaves the JVM.
     */
    public boolean isSuppressed(String senderDomain, String recipient) {
        if (recipient == null) return false;
        String address = recipient.toLowerCase(Locale.ROOT);
        if (present(SuppressionKey.lookup(ALL_SENDERS, address))) return true;
        return senderDomain != null && !senderDomain.isEmpty()
                && present(SuppressionKey.lookup(senderDomain.toLowerCase(Locale.ROOT), address));
    }

    /**
     * The entry that suppresses the recipient (the sending domain's before the one for all), or null. Reads
     * RocksDB only for a recipient that is on the list (the index says so first).
     */
    public Entry find(String senderDomain, String recipient) {
        if (recipient == null) return null;
        String address = recipient.toLowerCase(Locale.ROOT);
        Entry own = senderDomain == null || senderDomain.isEmpty() ? null
                : entry(SuppressionKey.lookup(senderDomain.toLowerCase(Locale.ROOT), address));
        return own != null ? own : entry(SuppressionKey.lookup(ALL_SENDERS, address));
    }

    /**
     * Adds an entry, or replaces its reason, and returns once it is stored; true if it is new.
     *
     * @param senderDomain a sending domain, or {@code "*"} for every sender
     * @throws IllegalArgumentException for an address or domain that cannot be one, or a reason longer than
     *     {@link #MAX_REASON} characters or with control characters (it is echoed in SMTP replies)
     */
    public boolean add(String senderDomain, String recipient, String reason) throws IOException {
        return putAll(List.of(entry(senderDomain, recipient, reason, clock.instant()))).added() == 1;
    }

    /**
     * Stores entries made with {@link #entry} (an import), returning once all are fsynced.
     *
     * @throws IOException if the buffer stays full for a minute or the spool fails
     */
    public Counts putAll(List<Entry> entries) throws IOException {
        int added = 0;
        List<CompletableFuture<Void>> done = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            SuppressionKey key = new SuppressionKey(e.domain(), e.address());
            if (!present(key)) added++;
            CompletableFuture<Void> f = new CompletableFuture<>();
            enqueueWaiting(new SuppressionWriter.Change(key, e, f), true);
            done.add(f);
        }
        await(done);
        return new Counts(added, entries.size() - added);
    }

    /**
     * Suppresses a recipient without waiting for the disk (the hard-bounce path, on a delivery thread). When the
     * writer's buffer is full the entry is not recorded: counted ({@link #refusedWrites()}) and logged, never
     * waited for.
     *
     * @return false when the buffer was full
     * @throws IllegalArgumentException for an address or domain that cannot be one
     */
    public boolean offer(String senderDomain, String recipient, String reason) {
        Entry e = entry(senderDomain, recipient, boundedReason(reason), clock.instant());
        if (enqueue(new SuppressionWriter.Change(new SuppressionKey(e.domain(), e.address()), e, null), true)) return true;
        long n = refused.incrementAndGet();
        long now = System.nanoTime();
        if (now - lastReportNanos > TimeUnit.SECONDS.toNanos(10)) {
            lastReportNanos = now;
            long since = n - refusedReported.getAndSet(n);
            log.warn("suppression list: write buffer full ({} changes waiting): {} hard-bounce entries NOT recorded "
                    + "since the last report (latest {}); see sluice_suppression_writes_refused_total",
                    writer.pending(), since, e.address());
        }
        return false;
    }

    /** Removes an entry once stored; false if there was none. */
    public boolean remove(String senderDomain, String recipient) throws IOException {
        SuppressionKey key = SuppressionKey.of(senderDomain, recipient);
        if (!present(key)) return false;
        CompletableFuture<Void> f = new CompletableFuture<>();
        enqueueWaiting(new SuppressionWriter.Change(key, null, f), true);
        await(List.of(f));
        return true;
    }

    /**
     * Sends every later change made on this node (API, CLI, import, hard bounce) to {@code replica} too, in the
     * order the changes were made; changes {@link #apply applied} from other nodes are not sent.
     */
    public void replicateTo(Replica replica) {
        this.replica = replica;
    }

    /**
     * Applies changes made on other nodes, returning once they are stored: a change that the list already
     * reflects (an entry present with that reason, a removal of an absent entry) is skipped. Not sent to the
     * {@link #replicateTo replica}. For the replica's own thread: it waits for room in the writer's buffer.
     *
     * @return how many changed the list
     */
    public int apply(List<SuppressionChange> changes) throws IOException {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (SuppressionChange c : changes) {
            SuppressionKey key = SuppressionKey.lookup(c.domain(), c.address());
            SuppressionWriter.Change w;
            switch (c) {
                case SuppressionChange.Put p -> {
                    Entry now = present(key) ? entry(key) : null;
                    if (now != null && now.reason().equals(p.entry().reason())) continue;
                    w = new SuppressionWriter.Change(key, p.entry(), new CompletableFuture<>());
                }
                case SuppressionChange.Removal r -> {
                    if (!present(key)) continue;
                    w = new SuppressionWriter.Change(key, null, new CompletableFuture<>());
                }
            }
            enqueueWaiting(w, false);
            done.add(w.done());
        }
        await(done);
        return done.size();
    }

    /**
     * Up to {@code limit} stored entries in key order (sending domain, "*" first, then address), after the cursor
     * {@code after} (null: from the start).
     *
     * @throws IllegalArgumentException for a cursor that is not one a page gave
     */
    public Page page(String after, int limit) throws IOException {
        List<Entry> out = new ArrayList<>(Math.min(limit, 10_000));
        SuppressionKey[] last = {null};
        try {
            boolean more = spool.suppressions().scan(after == null ? null : SuppressionKey.fromCursor(after).bytes(), limit,
                    (k, v) -> {
                        SuppressionKey key = SuppressionKey.fromBytes(k);
                        out.add(decode(key, v));
                        last[0] = key;
                    });
            return new Page(out, more && last[0] != null ? last[0].cursor() : null);
        } catch (SpoolException e) {
            throw new IOException("suppression list: " + e.getMessage(), e);
        }
    }

    /** Entries on the list (stored or queued). */
    public long size() {
        return index.size();
    }

    /** Changes queued for the writer and not yet stored. */
    public int pendingWrites() {
        return writer.pending();
    }

    /** Hard-bounce entries not recorded because the writer's buffer was full, since start. */
    public long refusedWrites() {
        return refused.get();
    }

    /** Bytes held by the in-memory index. */
    public long indexBytes() {
        return index.bytesAllocated();
    }

    /** Stores what is queued and stops the writer (before the spool closes). */
    @Override
    public void close() {
        replica.close(); // it may still be applying other nodes' changes through the writer
        writer.close();
        long unreported = refused.get() - refusedReported.get();
        if (unreported > 0) log.warn("suppression list: {} hard-bounce entries NOT recorded (write buffer full)", unreported);
    }

    /**
     * A checked entry: address and domain lower-cased, the reason one clean line of at most {@link #MAX_REASON}.
     *
     * @throws IllegalArgumentException naming what is wrong (address, domain or reason)
     */
    public static Entry entry(String senderDomain, String recipient, String reason, Instant added) {
        SuppressionKey key = SuppressionKey.of(senderDomain, recipient);
        String why = reason == null ? "" : reason.strip();
        if (why.length() > MAX_REASON) {
            throw new IllegalArgumentException("reason: at most " + MAX_REASON + " characters (got " + why.length() + ")");
        }
        if (!sluice.smtp.ReplyText.isClean(why)) {
            throw new IllegalArgumentException("reason: must be one line without control characters");
        }
        return new Entry(key.domain(), key.address(), why, added);
    }

    /**
     * A reason made from text the operator did not write (a remote reply, an old or hand-edited file): one
     * clean line of at most {@link #MAX_REASON} characters, the repair logged.
     */
    public static String boundedReason(String reason) {
        if (reason == null) return "";
        String clean = sluice.smtp.ReplyText.clean(reason).strip();
        String bounded = clean.length() <= MAX_REASON ? clean : clean.substring(0, MAX_REASON - 3) + "...";
        if (!bounded.equals(reason)) {
            log.warn("suppression reason of {} characters repaired (control characters replaced, cut to {})",
                    reason.length(), MAX_REASON);
        }
        return bounded;
    }

    /** The stored value: added (seconds, nanos) then the reason in UTF-8. */
    static byte[] encode(Entry e) {
        byte[] reason = e.reason().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(12 + reason.length).putLong(e.added().getEpochSecond()).putInt(e.added().getNano())
                .put(reason).array();
    }

    static Entry decode(SuppressionKey key, byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value);
        Instant added = Instant.ofEpochSecond(b.getLong(), b.getInt());
        return new Entry(key.domain(), key.address(), new String(value, 12, value.length - 12, StandardCharsets.UTF_8), added);
    }

    private boolean present(SuppressionKey key) {
        SuppressionWriter.Change c = unwritten.get(key);
        if (c != null) return c.entry() != null;
        return index.contains(key.fingerprint());
    }

    private Entry entry(SuppressionKey key) {
        SuppressionWriter.Change c = unwritten.get(key);
        if (c != null) return c.entry();
        if (!index.contains(key.fingerprint())) return null;
        try {
            byte[] v = spool.suppressions().read(key.bytes());
            if (v != null) return decode(key, v);
            // stored meanwhile by a change that was unwritten a moment ago
            c = unwritten.get(key);
            return c == null ? null : c.entry();
        } catch (SpoolException e) {
            // The index says it is listed: refuse rather than send to a suppressed address.
            log.error("suppression list: cannot read the entry of {}: {}", key.address(), e.getMessage());
            return new Entry(key.domain(), key.address(), "suppressed", Instant.EPOCH);
        }
    }

    private boolean enqueue(SuppressionWriter.Change c, boolean local) {
        order.lock();
        try {
            if (!writer.offer(c)) return false;
            unwritten.put(c.key(), c);
            if (c.entry() != null) index.add(c.key().fingerprint());
            else index.remove(c.key().fingerprint());
            // under the lock: the replica sees one key's changes in the order the list took them
            if (local) replica.changed(c.entry() != null ? new SuppressionChange.Put(c.entry())
                    : new SuppressionChange.Removal(c.key().domain(), c.key().address()));
            return true;
        } finally {
            order.unlock();
        }
    }

    /** The operator's path: waits (briefly, repeatedly) for room in the buffer rather than refusing. */
    private void enqueueWaiting(SuppressionWriter.Change c, boolean local) throws IOException {
        long deadline = System.nanoTime() + OPERATOR_WAIT.toNanos();
        while (!enqueue(c, local)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("suppression list: the write buffer stayed full for " + OPERATOR_WAIT.toSeconds() + " s");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    private static void await(List<CompletableFuture<Void>> done) throws IOException {
        try {
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(OPERATOR_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException("suppression list: not stored: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("suppression list: not stored within " + OPERATOR_WAIT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * A batch is stored: its changes leave the unwritten map unless a newer change of the key came. A batch that
     * failed (logged by the writer) is also taken back from the index, so lookups answer what RocksDB holds.
     */
    private void stored(List<SuppressionWriter.Change> batch, boolean ok) {
        order.lock();
        try {
            for (SuppressionWriter.Change c : batch) {
                if (!unwritten.remove(c.key(), c) || ok) continue;
                if (c.entry() != null) index.remove(c.key().fingerprint());
                else index.add(c.key().fingerprint());
            }
        } finally {
            order.unlock();
        }
    }
}
