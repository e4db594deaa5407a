package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import sluice.spool.Spool;
import sluice.spool.SpoolException;
import sluice.testkit.Dialog;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TempDirs;

/**
 * Issue 9: after one real ENOSPC (no disk reserve), RocksDB refused every later write and every message got 451 until
 * a restart, even with space free again. On a real 40 MiB tmpfs: fill it, the next message gets a temporary refusal
 * with an enhanced code, free the space, and the next message is accepted without a restart, with every earlier one
 * still queued.
 */
class DiskFullTest {
    private static final String BODY = "Subject: big\n\n" + ("x".repeat(998) + "\n").repeat(300); // ~300 KB

    @Test
    void afterTheDiskWasFullTheNextMessageIsAcceptedOnceThereIsSpaceAgain() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Peer.available("mount"),
                "needs root to mount a small tmpfs (CI runs as root)");
        Path dir = TempDirs.dir("sluice-full");
        Peer.Result mounted = Peer.run(List.of("mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", dir.toString()), null, 10);
        assumeTrue(mounted.ok(), "cannot mount a tmpfs here: " + mounted.output());
        try {
            Path filler = dir.resolve("filler");
            try (SluiceHarness s = SluiceHarness.startIn(dir, "[\"127.0.0.0/8\"]", "[spool]\ndisk_reserve = 0\n")) {
                String before = s.sendMx("a@far.test", BODY, "b@far.test");

                fill(filler);
                String refused = send(s);
                assertThat(refused).matches("45[12] 4\\.3\\.[01] .*");

                Files.delete(filler);
                String accepted = send(s);
                assertThat(accepted).startsWith("250 2.0.0");
                assertThat(send(s)).startsWith("250 2.0.0");
                assertThat(s.queue()).extracting(m -> m.id()).contains(before).hasSize(3);
            }
            // A restart on a full disk says so, instead of "is another sluice running with this data dir?".
            fill(filler);
            Path data = dir.resolve("data");
            try (Spool spool = Spool.open(data.resolve("spool"), 0)) {
                assertThat(spool.count()).isEqualTo(3); // it may still open if nothing needed writing
            } catch (SpoolException e) {
                assertThat(e.openProblem(data)).contains("no space left on the device").doesNotContain("another sluice");
            }
            Files.delete(filler);
            try (Spool first = Spool.open(data.resolve("spool"), 0)) {
                assertThat(first.count()).isEqualTo(3);
                SpoolException held = org.junit.jupiter.api.Assertions.assertThrows(SpoolException.class,
                        () -> Spool.open(data.resolve("spool"), 0).close());
                assertThat(held.reason()).isEqualTo(SpoolException.Reason.LOCKED);
                assertThat(held.openProblem(data)).contains("another sluice running with this data dir");
            }
        } finally {
            Peer.run(List.of("umount", "-l", dir.toString()), null, 10);
        }
    }

    /** The last reply of DATA (or of the first command refused). */
    private static String send(SluiceHarness s) throws IOException {
        try (Dialog d = new Dialog(s.mx)) {
            d.expect();
            d.ask("EHLO client.test");
            d.ask("MAIL FROM:<a@far.test>");
            d.ask("RCPT TO:<b@far.test>");
            String r = d.ask("DATA");
            if (!r.startsWith("354")) return r;
            return d.ask(BODY.replace("\n", "\r\n") + "\r\n.");
        }
    }

    private static void fill(Path filler) throws IOException {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) out.write(block);
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) throw full;
        }
    }
}
