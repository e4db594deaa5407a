package sluice.admin;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The bytes of request bodies the send API holds at once, whatever the number of parallel requests. Without it,
 * 120 parallel 21 MB posts took the heap from 0.4 to 6 GB. A body takes its share before it is read (its
 * Content-Length, or step by step for a chunked body) and gives it back when its request is answered; a request that
 * cannot get its share within a short wait is answered 503 with Retry-After.
 */
final class BodyBudget {
    /** Permits are KiB, so budgets beyond 2 GiB still fit a semaphore's int. */
    private static final long UNIT = 1024;

    private final Semaphore units;
    private final long bytes;

    /** @param bytes the budget; at least one largest request, so every acceptable request can be served alone */
    BodyBudget(long bytes) {
        this.bytes = bytes;
        this.units = new Semaphore((int) Math.min(Integer.MAX_VALUE, (bytes + UNIT - 1) / UNIT));
    }

    /**
     * Two largest requests (about 100 MiB at the default max_message_size), at most an eighth of the heap, never
     * less than one request. Measured with 60 parallel 21 MB posts (valid key, 6 GB heap): an eighth of the heap
     * (790 MB) let the heap reach 2.3 GB and SMTP greetings take 4 s; 100 MiB kept it at 0.65-1.1 GB and 0.6-2 s.
     */
    static BodyBudget forHeap(long maxHeap, long largestRequest) {
        return new BodyBudget(Math.max(largestRequest, Math.min(2 * largestRequest, maxHeap / 8)));
    }

    long bytes() {
        return bytes;
    }

    /** A share of nothing yet; {@link Lease#grow} takes more. */
    Lease lease() {
        return new Lease();
    }

    /** Bytes held for one request; closing gives them back. Used by one thread. */
    final class Lease implements AutoCloseable {
        private int held;

        /** The bytes this lease covers. */
        long covers() {
            return held * UNIT;
        }

        /** Grows the share to cover {@code total} bytes; false if that was not possible within {@code wait}. */
        boolean grow(long total, Duration wait) throws InterruptedException {
            int need = (int) Math.min(Integer.MAX_VALUE, (total + UNIT - 1) / UNIT) - held;
            if (need <= 0) return true;
            if (!units.tryAcquire(need, wait.toNanos(), TimeUnit.NANOSECONDS)) return false;
            held += need;
            return true;
        }

        @Override
        public void close() {
            units.release(held);
            held = 0;
        }
    }
}
