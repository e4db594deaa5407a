package sluice.spool;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The free space of the data dir's file system against the configured reserve. Sessions ask at every message, so
 * the reading is refreshed at most twice a second and the file system is found once ({@code Files.getFileStore}
 * reads /proc/mounts twice, about 0.5 ms, each time).
 */
final class DiskReserve {
    private static final long REFRESH_NANOS = 500_000_000L;

    private final Path dir;
    private final long reserveBytes;
    private final AtomicLong checkedAt = new AtomicLong(System.nanoTime() - 2 * REFRESH_NANOS);
    private volatile boolean ok = true;
    private volatile FileStore store;

    DiskReserve(Path dir, long reserveBytes) {
        this.dir = dir;
        this.reserveBytes = reserveBytes;
    }

    /** Bytes free to this process on the data dir's file system now. */
    long usableSpace() throws IOException {
        FileStore s = store;
        if (s == null) store = s = Files.getFileStore(dir);
        return s.getUsableSpace();
    }

    /** False when free space is below the reserve (true when there is no reserve). */
    boolean held() {
        if (reserveBytes <= 0) return true;
        long now = System.nanoTime();
        long last = checkedAt.get();
        if (now - last > REFRESH_NANOS && checkedAt.compareAndSet(last, now)) {
            try {
                ok = usableSpace() >= reserveBytes;
            } catch (IOException e) {
                ok = false; // cannot tell: refuse rather than risk a half-written disk
            }
        }
        return ok;
    }
}
