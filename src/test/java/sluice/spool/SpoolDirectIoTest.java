package sluice.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code [spool] direct_io}: the server's spool flushes message bodies into blob files past the page cache, so
 * they are copied once (RocksDB's buffer to the disk) and do not take fresh page-cache memory; what is flushed reads
 * back whole. util-linux's fincore counts the blob files' pages in the page cache.
 */
class SpoolDirectIoTest {
    @TempDir
    Path dir;

    private static final int MESSAGES = 40;
    private static final int BODY = 100 * 1024;

    @Test
    void flushedBodiesBypassThePageCacheAndReadBackWhole() throws Exception {
        List<String> ids = fill(true);
        assertThat(options()).contains("use_direct_io_for_flush_and_compaction=true");
        List<Path> blobs = blobFiles();
        assertThat(blobs).isNotEmpty();
        assertThat(residentBytes(blobs)).as("blob-file bytes in the page cache after a direct flush").isZero();
        try (Spool s = Spool.open(dir, 0, true)) {
            for (int i = 0; i < ids.size(); i++) assertThat(s.readData(ids.get(i)).orElseThrow()).isEqualTo(body(i));
        }
    }

    @Test
    void withoutDirectIoFlushesGoThroughThePageCache() throws Exception {
        fill(false);
        assertThat(options()).contains("use_direct_io_for_flush_and_compaction=false");
        assertThat(residentBytes(blobFiles())).as("blob-file bytes in the page cache after a buffered flush")
                .isGreaterThanOrEqualTo((long) MESSAGES * BODY);
    }

    @Test
    void probeSaysWhyWhereDirectIoCannotBeTaken() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        DirectIo.Probe probe = DirectIo.probe(notADirectory);
        assertThat(probe.supported()).isFalse();
        assertThat(probe.reason()).isNotBlank();
        assertThat(DirectIo.probe(dir).supported()).as("the test's own directory (ext4 or tmpfs here)").isTrue();
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("no probe file left behind").containsExactly(notADirectory);
        }
    }

    /** Commits MESSAGES bodies of BODY bytes (blob-sized), flushes them to files, closes; returns their ids. */
    private List<String> fill(boolean directIo) throws Exception {
        List<String> ids = new ArrayList<>();
        try (Spool s = Spool.open(dir, 0, directIo)) {
            for (int i = 0; i < MESSAGES; i++) {
                String id = s.newId();
                s.commit(id, SpoolTest.envelope("a@x.test", "b@y.test"), body(i));
                ids.add(id);
            }
            s.flush();
        }
        return ids;
    }

    private static byte[] body(int i) {
        byte[] b = new byte[BODY];
        Arrays.fill(b, (byte) ('a' + i % 26));
        b[0] = (byte) i;
        return b;
    }

    private String options() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            Path latest = files.filter(p -> p.getFileName().toString().startsWith("OPTIONS-")).sorted().reduce((a, b) -> b)
                    .orElseThrow();
            return Files.readString(latest);
        }
    }

    private List<Path> blobFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".blob")).toList();
        }
    }

    /** Bytes of these files in the page cache, by fincore. */
    private static long residentBytes(List<Path> files) throws Exception {
        List<String> command = new ArrayList<>(List.of("fincore", "--bytes", "--noheadings", "--output", "RES"));
        files.forEach(f -> command.add(f.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().map(String::strip).filter(l -> !l.isEmpty()).mapToLong(Long::parseLong).sum();
    }
}
