package sluice.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9: a write-ahead log damaged in the middle was silently cut at the damage by RocksDB's point-in-time
 * recovery (6,102 acknowledged messages gone, the log deleted). Now the spool refuses to open and changes nothing;
 * salvage recovers the rest and names every message it could not; a torn tail alone (a crash mid-write) opens.
 */
class SpoolRecoveryTest {
    private static final int MESSAGES = 400;

    @TempDir Path root;

    private List<String> fill(Path dir) throws Exception {
        List<String> ids = new ArrayList<>();
        byte[] body = new byte[4096];
        new Random(7).nextBytes(body);
        try (Spool s = Spool.open(dir, 0)) {
            for (int i = 0; i < MESSAGES; i++) {
                String id = s.newId();
                s.commit(id, SpoolTest.envelope("a@x.test", "b@y.test"), body);
                ids.add(id);
            }
            // Delivered and removed: absent after recovery without being lost.
            for (int i = 0; i < 10; i++) s.remove(ids.remove(ids.size() - 1));
        }
        return ids;
    }

    private static Path wal(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".log")).max(java.util.Comparator.comparingLong(p -> p.toFile().length()))
                    .orElseThrow();
        }
    }

    private static Map<String, String> digests(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("LOG") && !p.getFileName().toString().equals("LOCK")).toList()) {
                // LOG is RocksDB's own diary (rotated at every open); LOCK is empty.
                out.put(p.getFileName().toString(),
                        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        }
        return out;
    }

    /** Flips 16 bytes in the middle of the log, as the reviewer did. */
    static void flipMiddle(Path wal) throws Exception {
        try (FileChannel ch = FileChannel.open(wal, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long at = ch.size() / 2;
            ByteBuffer b = ByteBuffer.allocate(16);
            ch.read(b, at);
            for (int i = 0; i < 16; i++) b.put(i, (byte) ~b.get(i));
            ch.write(b.rewind(), at);
        }
    }

    @Test
    void damageInTheMiddleRefusesToOpenAndChangesNothing() throws Exception {
        Path dir = root.resolve("spool");
        List<String> acknowledged = fill(dir);
        // The log as written reads back whole: every message a put, the ten removed ones deletes, nothing damaged.
        WalScan.Result clean = WalScan.scan(dir);
        assertThat(clean.damagedRecords()).isZero();
        assertThat(clean.ids().entrySet().stream().filter(e -> e.getValue() == WalScan.Last.PUT).map(Map.Entry::getKey))
                .containsExactlyInAnyOrderElementsOf(acknowledged);
        assertThat(clean.ids().values().stream().filter(v -> v == WalScan.Last.DELETE)).hasSize(10);
        flipMiddle(wal(dir));
        Map<String, String> before = digests(dir);

        assertThatThrownBy(() -> Spool.open(dir, 0)).isInstanceOfSatisfying(SpoolException.class,
                e -> assertThat(e.reason()).isEqualTo(SpoolException.Reason.CORRUPT));
        assertThat(digests(dir)).isEqualTo(before);
    }

    @Test
    void salvageRecoversTheRestAndNamesEveryMessageItCouldNot() throws Exception {
        Path dir = root.resolve("spool");
        List<String> acknowledged = fill(dir);
        flipMiddle(wal(dir));
        Map<String, String> before = digests(dir);

        SpoolSalvage.Report r = SpoolSalvage.salvage(dir, Instant.parse("2026-12-06T03:00:00Z"));

        assertThat(r.copy()).isEqualTo(root.resolve("spool.damaged-20261206T030000Z"));
        assertThat(digests(r.copy())).isEqualTo(before);
        assertThat(r.damagedRecords()).isPositive();
        assertThat(r.lost()).isNotEmpty().hasSizeLessThan(5); // one record's worth, not everything after it
        List<String> recovered = new ArrayList<>();
        try (Spool s = Spool.open(dir, 0)) {
            s.scan(m -> recovered.add(m.id()));
            for (String id : recovered) assertThat(s.readData(id)).isPresent();
        }
        assertThat(r.recovered()).isEqualTo(recovered.size());
        // Every acknowledged message is either back, or listed; none is both; nothing else is listed.
        List<String> accounted = new ArrayList<>(recovered);
        accounted.addAll(r.lost());
        accounted.addAll(r.envelopeWithoutData());
        accounted.addAll(r.dataWithoutEnvelope());
        assertThat(accounted).containsExactlyInAnyOrderElementsOf(acknowledged);
    }

    @Test
    void aTornTailOpensWithEveryEarlierMessage() throws Exception {
        Path dir = root.resolve("spool");
        List<String> acknowledged = fill(dir);
        Path wal = wal(dir);
        try (FileChannel ch = FileChannel.open(wal, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 2000); // inside the last message's record: a crash mid-write
        }
        List<String> recovered = new ArrayList<>();
        try (Spool s = Spool.open(dir, 0)) {
            s.scan(m -> recovered.add(m.id()));
        }
        // The ten removals came last; cutting into them brings back at most the messages they removed.
        assertThat(recovered).containsAll(acknowledged).hasSizeLessThanOrEqualTo(acknowledged.size() + 10);
    }
}
