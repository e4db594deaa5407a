package sluice.smtp;

import java.util.Arrays;

/**
 * The message data of one transaction, growing up to a hard limit. Past the limit nothing more is
 * stored, but the overflow is remembered so the whole message can be refused with 552. The array comes from
 * {@link BodyArrays} at the first byte and goes back there when the transaction ends, so growth copies are paid
 * once per pooled array rather than once per connection; bytes past {@link #length()} are a previous message's
 * and are never read.
 */
public final class MessageBuffer {
    private final long limit;
    private final BodyArrays pool;
    private byte[] bytes;
    private int length;
    private long offered;

    private static final byte[] EMPTY = new byte[0];
    private static final int FIRST = 8192;

    /** Takes no memory until the first body arrives: a session that never sends one (most idle ones) costs nothing. */
    public MessageBuffer(long limit) {
        this(limit, BodyArrays.SHARED);
    }

    MessageBuffer(long limit, BodyArrays pool) {
        this.limit = limit;
        this.pool = pool;
        this.bytes = EMPTY;
    }

    /** Room for {@code more} bytes after the current ones: a pooled array first, then doubling. */
    private void grow(long more) {
        if (bytes == EMPTY) {
            byte[] pooled = pool.take();
            if (pooled != null) {
                bytes = pooled;
                if (length + more <= bytes.length) return;
            }
        }
        long want = Math.max((long) length + more, Math.min(limit, Math.max(FIRST, (long) bytes.length * 2)));
        bytes = Arrays.copyOf(bytes, (int) Math.min(want, Integer.MAX_VALUE - 16));
    }

    void append(byte[] src, int off, int len) {
        offered += len;
        if (length + (long) len > limit) return;
        if (length + len > bytes.length) grow(len);
        System.arraycopy(src, off, bytes, length, len);
        length += len;
    }

    void append(byte b) {
        offered++;
        if (length + 1L > limit) return;
        if (length == bytes.length) grow(1);
        bytes[length++] = b;
    }

    public boolean overflowed() {
        return offered > length;
    }

    /** Octets the client sent (after dot-unstuffing), stored or not. */
    public long offered() {
        return offered;
    }

    public int length() {
        return length;
    }

    /** The backing array; valid bytes are [0, length()). */
    public byte[] array() {
        return bytes;
    }

    /** Ends the transaction: the array goes back to the pool (a huge one to the collector). */
    void reset() {
        length = 0;
        offered = 0;
        pool.give(bytes);
        bytes = EMPTY;
    }
}
