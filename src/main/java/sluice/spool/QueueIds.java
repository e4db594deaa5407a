package sluice.spool;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Queue ids: 16 characters of Crockford base32 — 9 for the millisecond clock (so ids sort by time), 4 for a
 * per-process counter, 3 drawn at random once per process (so two processes, or a restart within the same
 * millisecond, never collide).
 */
final class QueueIds {
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();

    private final AtomicLong counter = new AtomicLong();
    private final int processTag = new SecureRandom().nextInt(1 << 15);

    String next() {
        long millis = System.currentTimeMillis();
        long n = counter.getAndIncrement();
        char[] out = new char[16];
        encode(millis, out, 0, 9);
        encode(n, out, 9, 4);
        encode(processTag, out, 13, 3);
        return new String(out);
    }

    private static void encode(long value, char[] out, int at, int digits) {
        for (int i = digits - 1; i >= 0; i--) {
            out[at + i] = ALPHABET[(int) (value & 31)];
            value >>>= 5;
        }
    }

    /** Whether the text could be a queue id (used before any database lookup). */
    static boolean plausible(String id) {
        if (id == null || id.length() != 16) return false;
        for (int i = 0; i < id.length(); i++) {
            if (new String(ALPHABET).indexOf(id.charAt(i)) < 0) return false;
        }
        return true;
    }
}
