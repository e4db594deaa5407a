package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.FreePorts;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;

/**
 * `sluice serve`'s log lines when stderr is the journal (JOURNAL_STREAM names it, as systemd sets it) and when it is
 * not. No journald here: stderr is a file, and JOURNAL_STREAM carries that file's device and inode, which is exactly
 * what systemd hands a service whose stderr is its journal stream.
 */
class JournalLogFormatTest {
    @TempDir
    Path dir;

    private final int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};

    /** A WARN line is certain: a NOTIFY_SOCKET nobody listens on. */
    private String serve(Path log, Map<String, String> env) throws Exception {
        Path config = SluiceHarness.writeConfig(dir, ports, "[]", "");
        try (SluiceProcess p = SluiceProcess.start(log, env, "serve", "--config", config.toString())) {
            assertThat(p.awaitReady(60)).as(p.output()).isTrue();
            assertThat(p.terminate(40)).as(p.output()).isZero();
            return p.output();
        }
    }

    @Test
    void underTheJournalLogLinesCarryAPriorityAndNoTimestamp() throws Exception {
        Path log = Files.createFile(dir.resolve("stderr.log"));
        String stream = Files.getAttribute(log, "unix:dev") + ":" + Files.getAttribute(log, "unix:ino");
        String out = serve(log, Map.of("JOURNAL_STREAM", stream, "NOTIFY_SOCKET", dir.resolve("nobody.sock").toString()));
        List<String> logLines = out.lines().filter(l -> l.matches("^(<\\d>)?.*(TRACE|DEBUG|INFO|WARN|ERROR) .*")).toList();
        assertThat(logLines).as(out).isNotEmpty();
        assertThat(logLines).as(out).allSatisfy(l -> assertThat(l).matches("^<[3467]>(ERROR|WARN |INFO |DEBUG) \\S+: .*"));
        assertThat(out).as(out).containsPattern("(?m)^<4>WARN  SystemdNotifier: cannot notify systemd")
                .doesNotContainPattern("(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ");
        // The server's stdout (listener table, ready line) reaches the journal as it is: plain lines, info priority.
        assertThat(out).containsPattern("(?m)^PORT +MODE").containsPattern("(?m)^sluice ready: ");
        assertThat(out).doesNotContain("\u001b[");
    }

    @Test
    void elsewhereTheTimestampedFormatStays() throws Exception {
        Path log = Files.createFile(dir.resolve("stderr.log"));
        String out = serve(log, Map.of("NOTIFY_SOCKET", dir.resolve("nobody.sock").toString()));
        assertThat(out).containsPattern("(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  SystemdNotifier: cannot notify systemd")
                .doesNotContainPattern("(?m)^<\\d>").doesNotContain("\u001b[");
    }

    @Test
    void aJournalStreamInheritedByAProcessWhoseStderrWentElsewhereIsIgnored() throws Exception {
        Path log = Files.createFile(dir.resolve("stderr.log"));
        Path other = Files.createFile(dir.resolve("other"));
        String stream = Files.getAttribute(other, "unix:dev") + ":" + Files.getAttribute(other, "unix:ino");
        String out = serve(log, Map.of("JOURNAL_STREAM", stream, "NOTIFY_SOCKET", dir.resolve("nobody.sock").toString()));
        assertThat(out).containsPattern("(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  SystemdNotifier")
                .doesNotContainPattern("(?m)^<\\d>");
    }
}
