package sluice.policy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import sluice.spool.Spool;

/**
 * Recipients that must not get mail, per sending domain or for every sender ({@code "*"}), kept in the spool's
 * RocksDB (column family "suppression", fit for millions of entries; {@link SuppressionStore}). Lookups ask an
 * in-memory fingerprint index ({@link SuppressionIndex}) and the changes not yet written ({@link SuppressionState});
 * only a hit reads its entry (reason, date) from RocksDB. Changes go through one writer thread in batches
 * ({@link SuppressionWriter}): a hard bounce never waits for a disk, an operator's change is answered once it is
 * fsynced. A change is visible to lookups as soon as it is queued. Thread-safe.
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

    private final SuppressionStore store;
    private final SuppressionState state;
    private final Clock clock;
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong refusedReported = new AtomicLong();
    private volatile long lastReportNanos = System.nanoTime() - TimeUnit.MINUTES.toNanos(1);

    private SuppressionList(Spool spool, SuppressionStore store, Clock clock, int buffer) {
        this.store = store;
        this.state = new SuppressionState(spool, store, buffer);
        this.clock = clock;
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
        SuppressionStore store = new SuppressionStore(spool);
        store.migrate(dataDir);
        SuppressionList list = new SuppressionList(spool, store, clock, buffer);
        try {
            list.state.load();
        } catch (IOException | RuntimeException e) {
            list.close(); // its writer thread has started: a failed open must not leave it running
            throw e;
        }
        return list;
    }

    /**
     * True when {@code recipient} is suppressed for {@code senderDomain} or for every sender. A null or empty
     * sender domain (the null sender) matches only the entries for every sender. Never leaves the JVM.
     */
    public boolean isSuppressed(String senderDomain, String recipient) {
        if (recipient == null) return false;
        String address = recipient.toLowerCase(Locale.ROOT);
        if (state.present(SuppressionKey.lookup(ALL_SENDERS, address))) return true;
        return senderDomain != null && !senderDomain.isEmpty()
                && state.present(SuppressionKey.lookup(senderDomain.toLowerCase(Locale.ROOT), address));
    }

    /**
     * The entry that suppresses the recipient (the sending domain's before the one for all), or null. Reads
     * RocksDB only for a recipient that is on the list (the index says so first).
     */
    public Entry find(String senderDomain, String recipient) {
        if (recipient == null) return null;
        String address = recipient.toLowerCase(Locale.ROOT);
        Entry own = senderDomain == null || senderDomain.isEmpty() ? null
                : state.entry(SuppressionKey.lookup(senderDomain.toLowerCase(Locale.ROOT), address));
        return own != null ? own : state.entry(SuppressionKey.lookup(ALL_SENDERS, address));
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
            if (!state.present(key)) added++;
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
        if (state.enqueue(new SuppressionWriter.Change(new SuppressionKey(e.domain(), e.address()), e, null), true)) return true;
        long n = refused.incrementAndGet();
        long now = System.nanoTime();
        if (now - lastReportNanos > TimeUnit.SECONDS.toNanos(10)) {
            lastReportNanos = now;
            long since = n - refusedReported.getAndSet(n);
            log.warn("suppression list: write buffer full ({} changes waiting): {} hard-bounce entries NOT recorded "
                    + "since the last report (latest {}); see sluice_suppression_writes_refused_total",
                    state.pending(), since, e.address());
        }
        return false;
    }

    /** Removes an entry once stored; false if there was none. */
    public boolean remove(String senderDomain, String recipient) throws IOException {
        SuppressionKey key = SuppressionKey.of(senderDomain, recipient);
        if (!state.present(key)) return false;
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
        state.replicateTo(replica);
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
                    Entry now = state.present(key) ? state.entry(key) : null;
                    if (now != null && now.reason().equals(p.entry().reason())) continue;
                    w = new SuppressionWriter.Change(key, p.entry(), new CompletableFuture<>());
                }
                case SuppressionChange.Removal r -> {
                    if (!state.present(key)) continue;
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
        return store.page(after, limit);
    }

    /** Entries on the list (stored or queued). */
    public long size() {
        return state.size();
    }

    /** Changes queued for the writer and not yet stored. */
    public int pendingWrites() {
        return state.pending();
    }

    /** Hard-bounce entries not recorded because the writer's buffer was full, since start. */
    public long refusedWrites() {
        return refused.get();
    }

    /** Bytes held by the in-memory index. */
    public long indexBytes() {
        return state.indexBytes();
    }

    /** Stores what is queued and stops the writer (before the spool closes). */
    @Override
    public void close() {
        state.close(); // the replica first, then the writer
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

    /** The operator's path: waits (briefly, repeatedly) for room in the buffer rather than refusing. */
    private void enqueueWaiting(SuppressionWriter.Change c, boolean local) throws IOException {
        long deadline = System.nanoTime() + OPERATOR_WAIT.toNanos();
        while (!state.enqueue(c, local)) {
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
}
