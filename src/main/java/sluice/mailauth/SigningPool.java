package sluice.mailauth;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Platform threads, one per core, that compute DKIM signatures for callers on virtual threads. A signature (body
 * canonicalisation and hash, an RSA-2048 signature in native code) is the longest stretch of CPU a session spends on a
 * message; on the one or few carrier threads that run every session (see bin/jvm-options) it would hold up every other
 * session's I/O meanwhile, and the other cores would have none of it. The caller waits for its own signature (the 250
 * still follows signing and fsync); callers on platform threads (the send API's builders, sendmail) sign themselves.
 */
final class SigningPool {
    private static final ExecutorService POOL = Executors.newFixedThreadPool(
            Runtime.getRuntime().availableProcessors(),
            Thread.ofPlatform().name("dkim-signer-", 1).daemon(true).factory());

    private SigningPool() {}

    /** {@code work}'s result, computed on a pool thread when the caller is a virtual thread; its exceptions rethrown. */
    static <T> T run(Supplier<T> work) {
        if (!Thread.currentThread().isVirtual()) return work.get();
        Future<T> f = POOL.submit(work::get);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the signature is a few hundred microseconds away: finish it, keep the flag
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        } catch (CancellationException e) {
            throw new IllegalStateException("DKIM signing was cancelled", e);
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}
