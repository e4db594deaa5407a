package sluice.smtp;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Body arrays handed back by finished transactions, for the next session to fill. A new connection per message
 * is the common case (bulk senders, smtp-source), so a buffer kept per session would start empty every time and
 * grow by doubling: a 100 KiB body copied 120 KiB and allocated 248 KiB before it was stored. Bounded in count
 * and in bytes; an array bigger than {@link #LARGEST} is left to the collector.
 */
final class BodyArrays {
    static final int LARGEST = 1 << 20;
    private static final long MAX_POOLED_BYTES = 8L << 20;

    private final ArrayBlockingQueue<byte[]> free = new ArrayBlockingQueue<>(64);
    private final AtomicLong pooledBytes = new AtomicLong();

    static final BodyArrays SHARED = new BodyArrays();

    /** A pooled array (any size), or null when none is free. */
    byte[] take() {
        byte[] a = free.poll();
        if (a != null) pooledBytes.addAndGet(-a.length);
        return a;
    }

    /** Offers an array no transaction uses any more; kept only within the bounds. */
    void give(byte[] a) {
        if (a.length == 0 || a.length > LARGEST) return;
        if (pooledBytes.addAndGet(a.length) > MAX_POOLED_BYTES || !free.offer(a)) pooledBytes.addAndGet(-a.length);
    }

    long pooledBytes() {
        return pooledBytes.get();
    }
}
