package sluice.spool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * {@code sluice spool salvage}: recovers what it can of a spool that refused to open because its write-ahead log is
 * damaged. The spool is first copied aside whole (the evidence, left untouched); the log is read independently
 * ({@link WalScan}) to learn which queue ids the damaged records held; then the spool is opened with RocksDB's
 * tolerant recovery, which skips every damaged record, and checked: a message whose envelope or data did not
 * survive is removed from the spool (its data, if any, saved as a file) and reported by queue id.
 */
public final class SpoolSalvage {
    private SpoolSalvage() {}

    /**
     * What salvage did.
     *
     * @param copy               where the spool was copied before anything was changed
     * @param recovered          messages whole in the spool now
     * @param lost               queue ids the log had (last as a new message, or in a damaged record) that are gone
     * @param envelopeWithoutData messages removed because their data did not survive
     * @param dataWithoutEnvelope messages removed because their envelope did not survive (data saved in {@code saved})
     * @param undecodable        envelopes that could not be read (removed; their data saved)
     */
    public record Report(Path copy, Path saved, int damagedRecords, long damagedBytes, List<String> damagedFiles,
                         long recovered, List<String> lost, List<String> envelopeWithoutData,
                         List<String> dataWithoutEnvelope, List<String> undecodable) {
        public boolean complete() {
            return lost.isEmpty() && envelopeWithoutData.isEmpty() && dataWithoutEnvelope.isEmpty() && undecodable.isEmpty();
        }
    }

    /**
     * Salvages the spool in {@code dir} (the server must be stopped).
     *
     * @throws SpoolException when the spool is in use, cannot be copied, or does not open even tolerantly
     */
    public static Report salvage(Path dir, Instant now) throws SpoolException {
        if (!Files.isDirectory(dir)) throw new SpoolException("no spool in " + dir, null, SpoolException.Reason.OTHER);
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(now);
        Path copy = dir.resolveSibling(dir.getFileName() + ".damaged-" + stamp);
        Path saved = copy.resolve("salvaged-data");
        WalScan.Result wal;
        // A running server holds RocksDB's LOCK (an fcntl lock, which FileChannel locks meet): copying under it would
        // make a torn copy, and opening would fail anyway.
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dir.resolve("LOCK"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             java.nio.channels.FileLock held = ch.tryLock()) {
            if (held == null) {
                throw new SpoolException(dir + " is in use (is a sluice server running with this data dir? stop it first)",
                        null, SpoolException.Reason.LOCKED);
            }
            copyTree(dir, copy);
            wal = WalScan.scan(copy);
        } catch (IOException e) {
            if (e instanceof SpoolException se) throw se;
            throw new SpoolException("cannot copy " + dir + " to " + copy + ": " + e.getMessage(), e, SpoolException.Reason.IO);
        }
        List<String> envelopeWithoutData = new ArrayList<>();
        List<String> dataWithoutEnvelope = new ArrayList<>();
        List<String> undecodable = new ArrayList<>();
        TreeSet<String> present = new TreeSet<>();
        try (Spool spool = Spool.openTolerant(dir)) {
            RocksDB db = spool.db();
            ColumnFamilyHandle envelopes = spool.families().envelopes();
            ColumnFamilyHandle data = spool.families().data();
            TreeSet<String> withData = keys(db, data);
            try (RocksIterator it = db.newIterator(envelopes)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    String id = new String(it.key(), StandardCharsets.US_ASCII);
                    try {
                        EnvelopeCodec.decode(id, it.value());
                    } catch (RuntimeException e) {
                        undecodable.add(id);
                        continue;
                    }
                    if (withData.contains(id)) present.add(id);
                    else envelopeWithoutData.add(id);
                }
                it.status();
            }
            for (String id : withData) {
                if (!present.contains(id) && !envelopeWithoutData.contains(id)) {
                    if (!undecodable.contains(id)) dataWithoutEnvelope.add(id);
                }
            }
            for (String id : concat(dataWithoutEnvelope, undecodable)) save(db, data, id, saved);
            for (String id : concat(concat(envelopeWithoutData, dataWithoutEnvelope), undecodable)) spool.remove(id);
        } catch (RocksDBException | IOException e) {
            throw new SpoolException("salvage of " + dir + " failed: " + e.getMessage() + " (the copy in " + copy
                    + " is untouched)", e, SpoolException.Reason.IO);
        }
        List<String> lost = new ArrayList<>();
        for (Map.Entry<String, WalScan.Last> e : wal.ids().entrySet()) {
            boolean wasThere = e.getValue() != WalScan.Last.DELETE;
            if (wasThere && !present.contains(e.getKey()) && !envelopeWithoutData.contains(e.getKey())
                    && !dataWithoutEnvelope.contains(e.getKey()) && !undecodable.contains(e.getKey())) {
                lost.add(e.getKey());
            }
        }
        return new Report(copy, saved, wal.damagedRecords(), wal.damagedBytes(), wal.damagedFiles(), present.size(),
                lost, envelopeWithoutData, dataWithoutEnvelope, undecodable);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static TreeSet<String> keys(RocksDB db, ColumnFamilyHandle cf) throws RocksDBException {
        TreeSet<String> out = new TreeSet<>();
        try (RocksIterator it = db.newIterator(cf)) {
            for (it.seekToFirst(); it.isValid(); it.next()) out.add(new String(it.key(), StandardCharsets.US_ASCII));
            it.status();
        }
        return out;
    }

    private static void save(RocksDB db, ColumnFamilyHandle data, String id, Path saved) throws RocksDBException, IOException {
        byte[] bytes = db.get(data, id.getBytes(StandardCharsets.US_ASCII));
        if (bytes == null) return;
        Files.createDirectories(saved);
        Files.write(saved.resolve(id + ".eml"), bytes);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (Files.exists(to)) throw new IOException(to + " already exists");
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else if (!p.getFileName().toString().equals("LOCK")) Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }
}
