package sluice.spool;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * Cuts the key range [first, last] into parts of about equal width, for a scan on several threads. Keys are read as
 * unsigned big-endian numbers padded to the longest; queue ids sort by time, so equal widths are equal stretches of
 * arrival time: about equal numbers of messages when mail arrived at an even rate, and never a wrong answer when it
 * did not (a part only takes longer).
 */
final class KeyRanges {
    private KeyRanges() {}

    /**
     * The bounds {@code b[0] = first, ..., b[n] = last} of the parts [b[i], b[i+1]); fewer than {@code parts} parts
     * when the keys are too close to cut (and only {@code [first, last]}, or nothing when the range is empty).
     */
    static byte[][] split(byte[] first, byte[] last, int parts) {
        if (first == null || last == null) return new byte[0][];
        int width = Math.max(first.length, last.length);
        BigInteger lo = new BigInteger(1, Arrays.copyOf(first, width));
        BigInteger hi = new BigInteger(1, Arrays.copyOf(last, width));
        if (parts <= 1 || hi.subtract(lo).compareTo(BigInteger.valueOf(parts)) < 0) return new byte[][] {first, last};
        byte[][] out = new byte[parts + 1][];
        out[0] = first;
        out[parts] = last;
        BigInteger step = hi.subtract(lo).divide(BigInteger.valueOf(parts));
        for (int i = 1; i < parts; i++) out[i] = bytes(lo.add(step.multiply(BigInteger.valueOf(i))), width);
        return out;
    }

    /** One table file's keys: where they start and how many there are. */
    record FileSpan(byte[] smallest, long entries) {}

    /**
     * As {@link #split(byte[], byte[], int)}, but cut where the table files say the keys are: each cut is the first
     * key of the file before which the running count of entries comes nearest the next share, so parts hold about
     * equal numbers of messages however unevenly they arrived. Falls back to equal widths when the files do not give
     * enough cuts (most of the keys still in memory tables).
     */
    static byte[][] split(byte[] first, byte[] last, int parts, java.util.List<FileSpan> files) {
        if (first == null || last == null || parts <= 1) return split(first, last, parts);
        java.util.List<FileSpan> sorted = new java.util.ArrayList<>(files);
        sorted.sort((a, b) -> Arrays.compareUnsigned(a.smallest(), b.smallest()));
        long total = 0;
        for (FileSpan f : sorted) total += f.entries();
        java.util.List<byte[]> cuts = new java.util.ArrayList<>();
        long seen = 0;
        for (FileSpan f : sorted) {
            long share = total * (cuts.size() + 1) / parts;
            // cut before this file when the keys before it are nearer the share than the keys up to its end
            boolean nearer = seen >= share || share - seen < seen + f.entries() - share;
            if (cuts.size() < parts - 1 && seen > 0 && nearer && Arrays.compareUnsigned(f.smallest(), first) > 0
                    && Arrays.compareUnsigned(f.smallest(), last) < 0
                    && (cuts.isEmpty() || Arrays.compareUnsigned(f.smallest(), cuts.get(cuts.size() - 1)) > 0)) {
                cuts.add(f.smallest());
            }
            seen += f.entries();
        }
        if (cuts.size() < parts - 1) return split(first, last, parts);
        byte[][] out = new byte[parts + 1][];
        out[0] = first;
        for (int i = 0; i < cuts.size(); i++) out[i + 1] = cuts.get(i);
        out[parts] = last;
        return out;
    }

    private static byte[] bytes(BigInteger v, int width) {
        byte[] raw = v.toByteArray(); // may carry a leading sign byte, or be shorter than width
        byte[] out = new byte[width];
        int n = Math.min(raw.length, width);
        System.arraycopy(raw, raw.length - n, out, width - n, n);
        return out;
    }
}
