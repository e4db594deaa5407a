package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import sluice.node.Node;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TempDirs;

/** A node starting on a data dir of an older Sluice: suppression.json migrated once, or the start stopped. */
class SuppressionMigrationTest {
    @Test
    void theOldFileIsMigratedAtStartAndTheEntriesOutliveARestart() throws Exception {
        Path dir = TempDirs.dir("sluice-it");
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("suppression.json"), """
                {"entries": [{"domain": "*", "address": "gone@far.test", "reason": "hard bounce 550 5.1.1", "added": "2026-01-01T00:00:00Z"}]}""");
        try (SluiceHarness s = SluiceHarness.startIn(dir, "[]", "")) {
            assertThat(s.suppressions().isSuppressed("example.test", "gone@far.test")).isTrue();
            assertThat(data.resolve("suppression.json.migrated")).exists();
            assertThat(data.resolve("suppression.json")).doesNotExist();
            s.suppressions().offer("example.test", "new@far.test", "hard bounce"); // queued: stored before the spool closes
        }
        try (SluiceHarness s = SluiceHarness.startIn(dir, "[]", "")) {
            assertThat(s.suppressions().size()).isEqualTo(2);
            assertThat(s.suppressions().find("example.test", "new@far.test").reason()).isEqualTo("hard bounce");
            assertThat(s.suppressions().find("example.test", "gone@far.test").reason()).isEqualTo("hard bounce 550 5.1.1");
        }
    }

    @Test
    void aDamagedOldFileStopsTheStartWithOneLineNamingIt() throws Exception {
        Path dir = TempDirs.dir("sluice-it");
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("suppression.json"), "{\"entries\": [\n{\"address\": ");
        assertThatThrownBy(() -> SluiceHarness.startIn(dir, "[]", "")).isInstanceOf(Node.StartException.class)
                .hasMessage(data.resolve("suppression.json") + " is damaged: not valid JSON near line 2 (fix or restore it, "
                        + "then start again; nothing was migrated)");
        assertThat(data.resolve("suppression.json")).exists();
    }
}
