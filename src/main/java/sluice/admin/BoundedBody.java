package sluice.admin;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;

/**
 * Reads a request body no larger than a limit, taking its bytes from the {@link BodyBudget} before it reads them.
 * A declared Content-Length over the limit is refused before a byte is read; a chunked body is read in growing
 * steps and stops as soon as it passes the limit, so nothing is ever buffered beyond it. The body's stream is opened
 * only once the first share is held: opening it is what answers {@code Expect: 100-continue} (Jetty writes the
 * {@code 100 Continue} in {@code getInputStream()}), and a client must not be told to send a body that is then
 * refused 413 or 503.
 */
final class BoundedBody {
    private static final int FIRST_STEP = 64 * 1024;

    /** What became of reading the body. */
    sealed interface Outcome {
        record Read(byte[] bytes) implements Outcome {}

        /** Larger than the limit: declared so ({@code declared}) or seen so while reading. */
        record TooLarge(boolean declared) implements Outcome {}

        /** The budget had no room within the wait. */
        record Busy() implements Outcome {}

        /** The client sent fewer bytes than it declared. */
        record Short(long received, long declared) implements Outcome {}
    }

    /** Opens the body's stream; called at most once, and only when the body is going to be read. */
    @FunctionalInterface
    interface Source {
        InputStream open() throws IOException;
    }

    private BoundedBody() {}

    /**
     * @param declared the Content-Length, or -1 when the body is chunked
     * @param max      the largest body accepted
     */
    static Outcome read(Source source, long declared, long max, BodyBudget.Lease lease, Duration wait)
            throws IOException, InterruptedException {
        if (declared > max) return new Outcome.TooLarge(true);
        if (declared >= 0) {
            if (!lease.grow(declared, wait)) return new Outcome.Busy();
            byte[] body = source.open().readNBytes((int) declared);
            return body.length < declared ? new Outcome.Short(body.length, declared) : new Outcome.Read(body);
        }
        long cap = max + 1; // one byte past the limit tells "too large" from "exactly at the limit"
        int size = (int) Math.min(cap, FIRST_STEP);
        if (!lease.grow(size, wait)) return new Outcome.Busy();
        InputStream in = source.open();
        byte[] buf = new byte[size];
        int n = 0;
        while (true) {
            if (n == buf.length) {
                if (n >= cap) return new Outcome.TooLarge(false);
                int next = (int) Math.min(cap, 2L * buf.length);
                if (!lease.grow(next, wait)) return new Outcome.Busy();
                buf = Arrays.copyOf(buf, next);
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) break;
            n += r;
            if (n > max) return new Outcome.TooLarge(false);
        }
        return new Outcome.Read(n == buf.length ? buf : Arrays.copyOf(buf, n));
    }
}
