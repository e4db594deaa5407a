package sluice.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Reads RocksDB's write-ahead log files on its own, to say which queue ids a damaged log held: RocksDB's tolerant
 * recovery skips a damaged record without saying what was in it. Format (RocksDB {@code db/log_format.h},
 * {@code db/write_batch.cc}): 32 KiB blocks of records {@code crc32c(masked) u32, length u16, type u8} (+ a u32 log
 * number for the recyclable types) whose payloads, reassembled, are write batches: {@code sequence u64, count u32},
 * then entries {@code tag [cf varint] key [value]}. A record whose checksum or length is wrong is damaged; queue ids
 * are then looked for in its bytes as plain text (they are 16 characters of Crockford base32, written as keys).
 */
final class WalScan {
    private static final int BLOCK = 32 * 1024;
    private static final int FULL = 1, FIRST = 2, MIDDLE = 3, LAST = 4;

    /** What the log says last about one queue id. */
    enum Last { PUT, DELETE, DAMAGED }

    /** The scan of every log file: per queue id its last event, and how much was damaged where. */
    record Result(Map<String, Last> ids, int damagedRecords, long damagedBytes, List<String> damagedFiles) {}

    private final Map<String, Last> ids = new LinkedHashMap<>();
    private int damagedRecords;
    private long damagedBytes;
    private final List<String> damagedFiles = new ArrayList<>();

    private WalScan() {}

    /** Scans the {@code *.log} files of a RocksDB directory in the order RocksDB wrote them. */
    static Result scan(Path dbDir) throws IOException {
        WalScan s = new WalScan();
        List<Path> logs;
        try (Stream<Path> files = Files.list(dbDir)) {
            logs = files.filter(p -> p.getFileName().toString().matches("\\d+\\.log"))
                    .sorted(java.util.Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString().replace(".log", ""))))
                    .toList(); // numbered %06d: wider past a million, so not in text order
        }
        for (Path log : logs) {
            int before = s.damagedRecords;
            s.file(Files.readAllBytes(log));
            if (s.damagedRecords > before) s.damagedFiles.add(log.getFileName().toString());
        }
        return new Result(s.ids, s.damagedRecords, s.damagedBytes, s.damagedFiles);
    }

    private void file(byte[] b) {
        java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
        int pos = 0;
        while (pos < b.length) {
            int blockEnd = Math.min(b.length, (pos / BLOCK + 1) * BLOCK);
            if (blockEnd - pos < 7) { // a block's trailer: zero padding
                pos = blockEnd;
                continue;
            }
            int length = (b[pos + 4] & 0xff) | (b[pos + 5] & 0xff) << 8;
            int type = b[pos + 6] & 0xff;
            // Recyclable records (5-8, and 11 and 131 for the newer metadata records) carry a 4-byte log number too.
            int header = (type >= 5 && type <= 8) || type == 11 || type == 131 ? 11 : 7;
            if (type == 0 && length == 0) { // preallocated space, never written
                pos = blockEnd;
                continue;
            }
            if (pos + header + length > blockEnd) { // a bad length, or a torn tail: the rest of the block is lost
                damaged(b, pos, blockEnd, pending);
                pos = blockEnd;
                continue;
            }
            CRC32C crc = new CRC32C();
            crc.update(b, pos + 6, 1);
            if (header == 11) crc.update(b, pos + 7, 4);
            crc.update(b, pos + header, length);
            if (mask((int) crc.getValue()) != ByteBuffer.wrap(b, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getInt()) {
                damaged(b, pos, pos + header + length, pending);
                pos += header + length;
                continue;
            }
            int kind = type >= 5 && type <= 8 ? type - 4 : type;
            if (kind == FULL || kind == FIRST) pending.reset();
            if (kind >= FULL && kind <= LAST) pending.write(b, pos + header, length);
            if (kind == FULL || kind == LAST) {
                batch(pending.toByteArray());
                pending.reset();
            }
            pos += header + length;
        }
        if (pending.size() > 0) damaged(new byte[0], 0, 0, pending); // a record whose last fragment never came
    }

    private static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
    }

    /** A damaged stretch and the fragments of the record it broke: every queue id seen in them. */
    private void damaged(byte[] b, int from, int to, java.io.ByteArrayOutputStream pending) {
        damagedRecords++;
        damagedBytes += (to - from) + pending.size();
        findIds(pending.toByteArray(), 0, pending.size());
        findIds(b, from, to);
        pending.reset();
    }

    private void findIds(byte[] b, int from, int to) {
        int run = 0;
        for (int i = from; i < to; i++) {
            run = isIdChar(b[i]) ? run + 1 : 0;
            if (run >= 16 && (i + 1 >= to || !isIdChar(b[i + 1]))) {
                // A key is length-prefixed: 0x10 before exactly 16 id characters.
                int start = i - 15;
                if (run == 16 && start > from && b[start - 1] == 16) {
                    ids.put(new String(b, start, 16, StandardCharsets.US_ASCII), Last.DAMAGED);
                }
            }
        }
    }

    private static boolean isIdChar(byte c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U');
    }

    /** Puts and deletes of 16-byte keys; anything else ends the batch (the spool writes nothing else). */
    private void batch(byte[] b) {
        int[] pos = {12};
        while (pos[0] < b.length) {
            int tag = b[pos[0]++] & 0xff;
            boolean cf = tag == 0x4 || tag == 0x5 || tag == 0x8 || tag == 0x10;
            if (cf) varint(b, pos);
            Last what = switch (tag) {
                case 0x1, 0x5, 0x10, 0x11 -> Last.PUT;
                case 0x0, 0x4, 0x7, 0x8 -> Last.DELETE;
                default -> null;
            };
            if (what == null) {
                findIds(b, pos[0] - 1, b.length);
                return;
            }
            int keyLength = varint(b, pos);
            if (keyLength < 0 || pos[0] + keyLength > b.length) return;
            String key = new String(b, pos[0], keyLength, StandardCharsets.US_ASCII);
            pos[0] += keyLength;
            if (what == Last.PUT) {
                int valueLength = varint(b, pos);
                if (valueLength < 0 || pos[0] + valueLength > b.length) return;
                pos[0] += valueLength;
            }
            if (QueueIds.plausible(key)) ids.put(key, what);
        }
    }

    private static int varint(byte[] b, int[] pos) {
        int value = 0;
        for (int shift = 0; shift <= 28 && pos[0] < b.length; shift += 7) {
            int c = b[pos[0]++] & 0xff;
            value |= (c & 0x7f) << shift;
            if (c < 0x80) return value;
        }
        return -1;
    }
}
