package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import sluice.spool.Envelope;
import sluice.spool.Recipient;
import sluice.spool.Spool;
import sluice.testkit.FreePorts;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;
import sluice.testkit.TempDirs;

/** A damaged spool as the operator meets it: `serve` refuses in one line, `spool salvage` recovers and reports. */
class SpoolSalvageCliTest {
    @Test
    void serveRefusesADamagedSpoolAndSalvageReportsWhatItCouldNotRecover() throws Exception {
        Path dir = TempDirs.dir("sluice-salvage");
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        String config = SluiceHarness.writeConfig(dir, ports, "[]", "").toString();
        Path data = dir.resolve("data");
        Path spoolDir = data.resolve("spool");
        List<String> ids = new ArrayList<>();
        try (Spool s = Spool.open(spoolDir, 0)) {
            for (int i = 0; i < 300; i++) {
                String id = s.newId();
                s.commit(id, new Envelope("a@far.test", List.of(Recipient.pending("b@far.test", null, null)), Instant.now(),
                        3000, Map.of()), ("Subject: " + i + "\r\n\r\n" + "x".repeat(3000) + "\r\n").getBytes());
                ids.add(id);
            }
        }
        Path wal;
        try (Stream<Path> f = Files.list(spoolDir)) {
            wal = f.filter(p -> p.toString().endsWith(".log")).max(java.util.Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
        long walSize = Files.size(wal);
        try (FileChannel ch = FileChannel.open(wal, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(16);
            ch.read(b, walSize / 2);
            for (int i = 0; i < 16; i++) b.put(i, (byte) ~b.get(i));
            ch.write(b.rewind(), walSize / 2);
        }

        Peer.Result refused = SluiceProcess.run(null, "serve", "--config", config);
        assertThat(refused.exit()).as(refused.output()).isEqualTo(1);
        List<String> lines = refused.output().lines().filter(l -> l.startsWith("sluice:") || l.contains("Exception")).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.getFirst()).startsWith("sluice: the spool in " + spoolDir + " is damaged (")
                .contains("nothing was changed or dropped", "sluice spool salvage --data-dir " + data)
                .doesNotContain("another sluice", "Exception");
        assertThat(Files.size(wal)).isEqualTo(walSize);

        assertThat(SluiceProcess.run(null, "spool", "salvage", "--help").exit()).isZero();
        assertThat(SluiceProcess.run(null, "spool", "--help").exit()).isZero();

        Peer.Result salvage = SluiceProcess.run(null, "spool", "salvage", "--config", config);
        assertThat(salvage.exit()).as(salvage.output()).isZero();
        assertThat(salvage.output()).contains("copied the spool as it was to " + data.resolve("spool.damaged-"),
                "damaged record(s)", "lost (in the log, now gone): ");
        List<String> listed = salvage.output().lines().filter(l -> l.startsWith("  ")).map(String::strip).toList();
        assertThat(listed).isNotEmpty().isSubsetOf(ids);
        assertThat(salvage.output()).containsPattern("recovered: " + (ids.size() - listed.size()) + " message\\(s\\)");

        try (SluiceProcess serve = SluiceProcess.start("serve", "--config", config)) {
            assertThat(serve.awaitReady(30)).as(serve.output()).isTrue();
            assertThat(serve.output()).contains((ids.size() - listed.size()) + " message(s) in the queue");
            Peer.Result busy = SluiceProcess.run(null, "spool", "salvage", "--config", config);
            assertThat(busy.exit()).as(busy.output()).isEqualTo(1);
            assertThat(busy.output()).contains("is in use (is a sluice server running with this data dir? stop it first)");
            assertThat(serve.terminate(30)).isZero();
        }
    }
}
