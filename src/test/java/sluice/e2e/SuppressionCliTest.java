package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;

/** `sluice suppression` as an operator runs it: on the data dir itself, or through a running server's admin API. */
class SuppressionCliTest {
    @TempDir Path data;
    @TempDir Path files;

    private Peer.Result sluice(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--data-dir";
        all[args.length + 1] = data.toString();
        return SluiceProcess.run(null, all);
    }

    private static Peer.Result sluiceWith(Path config, String... args) throws Exception {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--config";
        all[args.length + 1] = config.toString();
        return SluiceProcess.run(null, all);
    }

    @Test
    void withNoServerTheDataDirIsChangedDirectlyAndKeptAcrossRuns() throws Exception {
        // an older Sluice's list: migrated by the first command that opens the spool
        Files.writeString(data.resolve("suppression.json"), """
                {"entries": [{"domain": "*", "address": "old@example.org", "reason": "from 0.1", "added": "2026-01-01T00:00:00Z"}]}""");
        Peer.Result add = sluice("suppression", "add", "Bob@Example.org", "--domain", "shop.example", "--reason", "complaint");
        assertThat(add.exit()).as(add.output()).isZero();
        assertThat(add.output()).contains("(no server running: changing the suppression list in",
                "suppressed Bob@Example.org for shop.example");
        assertThat(data.resolve("suppression.json.migrated")).exists();
        assertThat(sluice("suppression", "add", "gone@example.org").exit()).isZero();

        Peer.Result list = sluice("suppression", "list"); // another process: what the first stored is on disk
        assertThat(list.exit()).isZero();
        assertThat(list.output()).containsPattern("\\*\\s+gone@example.org\\s+\\S+\\s+manual")
                .containsPattern("\\*\\s+old@example.org\\s+2026-01-01T00:00:00Z\\s+from 0.1")
                .containsPattern("shop.example\\s+bob@example.org\\s+\\S+\\s+complaint");
        Peer.Result json = sluice("suppression", "list", "--json");
        assertThat(json.output()).contains("\"domain\" : \"shop.example\"", "\"address\" : \"bob@example.org\"");

        Peer.Result remove = sluice("suppression", "remove", "bob@example.org", "--domain", "shop.example");
        assertThat(remove.exit()).as(remove.output()).isZero();
        Peer.Result again = sluice("suppression", "remove", "bob@example.org", "--domain", "shop.example");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.output()).contains("is not suppressed for shop.example");
        Peer.Result bad = sluice("suppression", "add", "not-an-address");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.output()).contains("not an address");

        Path csv = Files.writeString(files.resolve("in.csv"), """
                address,domain,reason,added
                "\"\"a,b\"\"@example.org",*,"said ""stop"", twice",2026-02-03T04:05:06Z
                nobody,*,x,
                c@example.org,shop.example,,
                """);
        Peer.Result imported = sluice("suppression", "import", csv.toString());
        assertThat(imported.exit()).as(imported.output()).isEqualTo(2);
        assertThat(imported.output()).contains(csv + ": line 3, column 1 (address): not an address: \"nobody\"",
                "imported 2 entries from " + csv + " (2 new, 0 updated); 1 bad rows skipped");

        Path out = files.resolve("out.csv");
        Peer.Result export = sluice("suppression", "export", out.toString());
        assertThat(export.exit()).as(export.output()).isZero();
        assertThat(Files.readString(out)).startsWith("address,domain,reason,added\r\n")
                .contains("\"\"\"a,b\"\"@example.org\",*,\"said \"\"stop\"\", twice\",2026-02-03T04:05:06Z\r\n")
                .contains("gone@example.org,*,manual,", "old@example.org,*,from 0.1,2026-01-01T00:00:00Z\r\n")
                .contains("c@example.org,shop.example,,");
        assertThat(Files.readAllLines(out)).hasSize(5);
        // the export reads back as it was written
        Peer.Result back = sluice("suppression", "import", out.toString());
        assertThat(back.output()).as(back.output()).contains("imported 4 entries", "(0 new, 4 updated)");
        assertThat(back.exit()).isZero();
        Peer.Result stdout = sluice("suppression", "export");
        assertThat(stdout.output()).contains("\"\"\"a,b\"\"@example.org\"");
    }

    @Test
    void withAServerRunningTheCliGoesThroughItsAdminApi() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            Path config = s.dataDir().getParent().resolve("sluice.toml");
            Peer.Result add = sluiceWith(config, "suppression", "add", "Bob@Example.org", "--domain", "shop.example");
            assertThat(add.exit()).as(add.output()).isZero();
            assertThat(add.output()).contains("(a server is running on this data dir: using its admin API at http://127.0.0.1:",
                    "suppressed Bob@Example.org for shop.example");
            assertThat(s.suppressions().isSuppressed("shop.example", "bob@example.org")).isTrue(); // answered = in force

            // more rows than one import request (1,000) and one page of the listing (5,000)
            String rows = IntStream.range(0, 6_001).mapToObj(i -> "u" + i + "@far.test,,bulk")
                    .collect(Collectors.joining("\n", "address,domain,reason\n", "\n"));
            Path csv = Files.writeString(files.resolve("big.csv"), rows + "bad,,x\n");
            Peer.Result imported = sluiceWith(config, "suppression", "import", csv.toString());
            assertThat(imported.exit()).as(imported.output()).isEqualTo(2);
            assertThat(imported.output()).contains("imported 6001 entries", "(6001 new, 0 updated); 1 bad rows skipped",
                    "line 6003, column 1 (address)");
            assertThat(s.suppressions().size()).isEqualTo(6_002);
            assertThat(s.suppressions().isSuppressed("any.example", "u6000@far.test")).isTrue();

            Path out = files.resolve("out.csv");
            Peer.Result export = sluiceWith(config, "suppression", "export", out.toString());
            assertThat(export.exit()).as(export.output()).isZero();
            List<String> lines = Files.readAllLines(out);
            assertThat(lines).hasSize(6_003).doesNotHaveDuplicates().contains("bob@example.org,shop.example,manual,"
                    + s.suppressions().find("shop.example", "bob@example.org").added());

            Peer.Result remove = sluiceWith(config, "suppression", "remove", "u5@far.test");
            assertThat(remove.exit()).as(remove.output()).isZero();
            assertThat(s.suppressions().isSuppressed("any.example", "u5@far.test")).isFalse();
            Peer.Result again = sluiceWith(config, "suppression", "remove", "u5@far.test");
            assertThat(again.exit()).isEqualTo(1);
            assertThat(again.output()).contains("u5@far.test is not suppressed for every sender");
            Peer.Result bad = sluiceWith(config, "suppression", "add", "x@y", "--reason", "a".repeat(201));
            assertThat(bad.exit()).isEqualTo(2);
            assertThat(bad.output().strip()).startsWith("sluice: reason: at most 200");
        }
    }
}
