package sluice.smtp;

import java.util.Arrays;

/**
 * The message data of one transaction, growing up to a hard limit. Past the limit nothing more is
 * stored, but the overflow is remembered so the whole message can be refused with 552.
 */
public final class MessageBuffer {
    private final long limit;
    private byte[] bytes;
    private int length;
    private long offered;

    private static final byte[] EMPTY = new byte[0];
    private static final int FIRST = 8192;

    /** Takes no memory until the first body arrives: a session that never sends one (most idle ones) costs nothing. */
    public MessageBuffer(long limit) {
        this.limit = limit;
        this.bytes = EMPTY;
    }

    void append(byte[] src, int off, int len) {
        offered += len;
        if (length + (long) len > limit) return;
        if (length + len > bytes.length) {
            long want = Math.max((long) length + len, Math.min(limit, Math.max(FIRST, (long) bytes.length * 2)));
            bytes = Arrays.copyOf(bytes, (int) Math.min(want, Integer.MAX_VALUE - 16));
        }
        System.arraycopy(src, off, bytes, length, len);
        length += len;
    }

    void append(byte b) {
        offered++;
        if (length + 1L > limit) return;
        if (length == bytes.length) bytes = Arrays.copyOf(bytes, (int) Math.min(Math.max(FIRST, (long) bytes.length * 2), Integer.MAX_VALUE - 16));
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

    void reset() {
        length = 0;
        offered = 0;
        // Keep the array for the next transaction unless a huge message grew it.
        if (bytes.length > 1 << 20) bytes = EMPTY;
    }
}
