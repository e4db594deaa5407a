package sluice.observe;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A value that is costly to compute (queue counts: a walk of the scheduler's index, or a whole spool scan while
 * delivery is paused), kept for {@code ttl} and refreshed in the background. Readers never wait on a lock: they
 * get the last value at once while one refresher works; only the very first read waits, on a future, for the
 * first value. The refresh runs on a platform thread, because a spool scan is a long run of JNI calls and a
 * virtual thread in JNI pins its carrier, which would stall every SMTP session scheduled on it.
 */
public final class RefreshingValue<T> {
    private static final Logger log = LoggerFactory.getLogger(RefreshingValue.class);

    private record Snapshot<T>(T value, long atNanos) {}

    private final Supplier<T> source;
    private final long ttlNanos;
    private final Executor refresher;
    private final LongSupplier nanoTime;
    private volatile Snapshot<T> last;
    private final AtomicReference<CompletableFuture<T>> refreshing = new AtomicReference<>();

    /** Refreshes on a new platform thread named {@code name} (at most one at a time per value). */
    public RefreshingValue(String name, Supplier<T> source, java.time.Duration ttl) {
        this(source, ttl, r -> Thread.ofPlatform().name(name).daemon(true).start(r), System::nanoTime);
    }

    RefreshingValue(Supplier<T> source, java.time.Duration ttl, Executor refresher, LongSupplier nanoTime) {
        this.source = source;
        this.ttlNanos = ttl.toNanos();
        this.refresher = refresher;
        this.nanoTime = nanoTime;
    }

    public T get() {
        Snapshot<T> s = last;
        if (s != null && nanoTime.getAsLong() - s.atNanos() <= ttlNanos) return s.value();
        CompletableFuture<T> running = refresh();
        if (s != null) return s.value(); // stale by at most one refresh: better than making the reader wait
        try {
            return running.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw e;
        }
    }

    private CompletableFuture<T> refresh() {
        CompletableFuture<T> mine = new CompletableFuture<>();
        CompletableFuture<T> running = refreshing.compareAndExchange(null, mine);
        if (running != null) return running;
        refresher.execute(() -> {
            try {
                T v = source.get();
                last = new Snapshot<>(v, nanoTime.getAsLong());
                mine.complete(v);
            } catch (RuntimeException e) {
                log.warn("refresh failed; keeping the last value: {}", e.getMessage());
                mine.completeExceptionally(e);
            } finally {
                refreshing.set(null);
            }
        });
        return mine;
    }
}
