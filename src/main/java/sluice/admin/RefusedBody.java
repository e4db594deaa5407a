package sluice.admin;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads and throws away the body of a request refused 413 before it was read, so that the refusal reaches the client.
 * A client that sends its body without {@code Expect: 100-continue} is still writing when the answer comes; closing
 * the connection then with its bytes unread makes the kernel reset it, and the reset can destroy the 413 before the
 * client reads it ("no bytes" instead of an answer). Only a declared body up to {@link #MAX_DISCARDED} is taken, and
 * only while the client keeps sending within {@link #MAX_WAIT_NANOS}; beyond either the connection is closed as before
 * (a client that declares gigabytes is not owed our bandwidth). A client that asked {@code Expect: 100-continue} was
 * never told to send, so nothing is read from it.
 */
final class RefusedBody {
    static final long MAX_DISCARDED = 16L * 1024 * 1024;
    private static final long MAX_WAIT_NANOS = 5_000_000_000L;

    private RefusedBody() {}

    static void discard(HttpServletRequest req) {
        long declared = req.getContentLengthLong();
        String expect = req.getHeader("Expect");
        if (declared <= 0 || declared > MAX_DISCARDED || expect != null && expect.equalsIgnoreCase("100-continue")) return;
        long deadline = System.nanoTime() + MAX_WAIT_NANOS;
        byte[] buf = new byte[64 * 1024];
        try {
            InputStream in = req.getInputStream();
            while (System.nanoTime() < deadline && in.read(buf) >= 0) {
                // thrown away
            }
        } catch (IOException | IllegalStateException e) {
            // the client went away or the body was taken as a reader: the connection closes either way
        }
    }
}
