package sluice.spool;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Whether a directory's file system takes direct I/O (O_DIRECT), found by writing one aligned block to a probe
 * file there. RocksDB's flushes and compactions then write the spool's files past the page cache: a message body
 * is copied once, from RocksDB's buffer to the disk, instead of into page-cache pages first. Those pages cost more
 * than the copy wherever the kernel has to find fresh memory for them (measured in docs/benchmarks.md: on this
 * project's virtual machines a page touched for the first time costs about 2.4 µs, a 100 KiB body about 250 µs).
 * A file system that refuses O_DIRECT (some FUSE and network file systems) would make every flush fail, so the
 * spool asks first and says which way it writes.
 */
final class DirectIo {
    /** What the probe found: {@code reason} says why not when {@code supported} is false. */
    record Probe(boolean supported, String reason) {}

    private static final String PROBE_FILE = ".direct-io-probe";

    private DirectIo() {}

    static Probe probe(Path dir) {
        Path file = dir.resolve(PROBE_FILE);
        try {
            int block = (int) Math.max(512, Math.min(Files.getFileStore(dir).getBlockSize(), 1 << 16));
            ByteBuffer buffer = ByteBuffer.allocateDirect(block * 2).alignedSlice(block);
            buffer.limit(block);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING, ExtendedOpenOption.DIRECT)) {
                while (buffer.hasRemaining()) channel.write(buffer, buffer.position());
            }
            return new Probe(true, "");
        } catch (IOException | UnsupportedOperationException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return new Probe(false, why);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a probe file left behind is harmless and is replaced by the next probe
            }
        }
    }
}
