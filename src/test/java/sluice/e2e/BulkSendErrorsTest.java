package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sluice.testkit.FreePorts;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;

/** {@code sluice send}'s failures: one readable line on stderr and the right exit code; bad rows counted, not fatal. */
class BulkSendErrorsTest {
    private static SluiceHarness s;
    private static Path key;
    private static Path eml;

    @BeforeAll
    static void start() throws Exception {
        s = SluiceHarness.start();
        key = BulkSendTest.apiKey(s);
        eml = BulkSendTest.template(s.dir);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static Path file(String name, String text) throws Exception {
        Path p = Files.createTempDirectory(s.dir, "case").resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private static SluiceProcess.Outcome send(Path csv, Path template, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("send", "--list", csv.toString(), "--template", template.toString(),
                "--api-key-file", key.toString(), "--config", BulkSendTest.config(s)));
        args.addAll(List.of(more));
        return SluiceProcess.runApart(null, args.toArray(String[]::new));
    }

    private static void oneLine(SluiceProcess.Outcome o, int exit, String... contains) {
        assertThat(o.exit()).as(o.stderr()).isEqualTo(exit);
        assertThat(o.stderr().strip().lines().count()).as(o.stderr()).isEqualTo(1);
        assertThat(o.stderr()).startsWith("sluice: ").contains(contains).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void aPlaceholderWithoutAColumnStopsBeforeAnythingIsSent() throws Exception {
        Path csv = file("list.csv", "email,name\nx1@remote.test,X\n");
        oneLine(send(csv, eml), 2, "{{n}}", eml.toString(), "columns: email, name");
        assertThat(Files.exists(csv.resolveSibling("list.csv.sluice-progress"))).isFalse();
    }

    @Test
    void aListWithoutAnEmailColumnIsRefused() throws Exception {
        oneLine(send(file("list.csv", "address,name,n\nx@remote.test,X,1\n"), eml), 2, "no \"email\" column", "list.csv");
    }

    @Test
    void brokenQuotingIsOneLineNamingTheFile() throws Exception {
        oneLine(send(file("list.csv", "email,name,n\nx@remote.test,\"X,1\n"), eml), 2, "list.csv");
    }

    @Test
    void aTemplateThatIsNoMessageIsRefused() throws Exception {
        oneLine(send(file("list.csv", "email,name,n\nx@remote.test,X,1\n"), file("t.eml", "\nbody only {{name}}\n")), 2,
                "t.eml", "no header fields");
    }

    @Test
    void badRowsAreRefusedByNumberAndCountedTheOthersSent() throws Exception {
        Path csv = file("list.csv", "email,name,n\nok1@remote.test,A,1\nnot an address,B,2\nok3@remote.test,C\n"
                + "ok4@remote.test,\"D, Jr.\",4\n\"ok5@remote.test\",\"line\nbreak\",5\n");
        SluiceProcess.Outcome o = send(csv, eml);
        assertThat(o.exit()).as(o.stderr()).isZero();
        assertThat(o.stderr()).contains("row 2: bad address \"not an address\"").contains("row 3: 2 columns where the header row has 3")
                .contains("row 5: the value of name has a line break and goes into the Subject field");
        assertThat(o.stdout()).contains("campaign done: 5 rows").contains("accepted    2").contains("refused     3")
                .contains("1  bad address").contains("1  wrong number of columns");
        assertThat(s.queue().stream().flatMap(m -> m.envelope().recipients().stream()).map(r -> r.address()))
                .contains("ok1@remote.test", "ok4@remote.test").doesNotContain("ok3@remote.test", "ok5@remote.test");
    }

    @Test
    void aSuppressedRecipientIsCountedAsSuppressedNotRefused() throws Exception {
        s.suppressions().add("*", "gone@remote.test", "hard bounce 550 5.1.1");
        Path csv = file("list.csv", "email,name,n\nstill@remote.test,A,1\ngone@remote.test,B,2\n");
        SluiceProcess.Outcome o = send(csv, eml);
        assertThat(o.exit()).as(o.stderr()).isZero();
        assertThat(o.stdout()).contains("accepted    1").contains("suppressed  1").contains("refused     0");
        assertThat(s.queue().stream().flatMap(m -> m.envelope().recipients().stream()).map(r -> r.address()))
                .contains("still@remote.test").doesNotContain("gone@remote.test");
    }

    @Test
    void aWrongApiKeyIsOneLine() throws Exception {
        Path wrong = file("wrong.key", "sk_" + "A".repeat(43) + "\n");
        List<String> args = List.of("send", "--list", file("list.csv", "email,name,n\nx@remote.test,X,1\n").toString(),
                "--template", eml.toString(), "--api-key-file", wrong.toString(), "--config", BulkSendTest.config(s));
        oneLine(SluiceProcess.runApart(null, args.toArray(String[]::new)), 2, "refused the API key", "sluice user apikey");
    }

    @Test
    void noServerAnsweringIsOneLineAndExitOne() throws Exception {
        String config = Files.readString(Path.of(BulkSendTest.config(s)))
                .replace(s.config().admin().address(), "127.0.0.1:" + FreePorts.next());
        Path other = file("down.toml", config);
        List<String> args = List.of("send", "--list", file("list.csv", "email,name,n\nx@remote.test,X,1\n").toString(),
                "--template", eml.toString(), "--api-key-file", key.toString(), "--config", other.toString());
        oneLine(SluiceProcess.runApart(null, args.toArray(String[]::new)), 1, "no server answers at 127.0.0.1:");
    }

    @Test
    void rateIsASteadyPaceNotBursts() throws Exception {
        StringBuilder rows = new StringBuilder("email,name,n\n");
        for (int i = 1; i <= 60; i++) rows.append("paced").append(i).append("@remote.test,P,").append(i).append('\n');
        SluiceProcess.Outcome o = send(file("list.csv", rows.toString()), eml, "--rate", "20/s");
        assertThat(o.exit()).as(o.stderr()).isZero();
        List<java.time.Instant> at = s.queue().stream()
                .filter(m -> m.envelope().recipients().get(0).address().startsWith("paced"))
                .map(m -> m.envelope().received()).sorted().toList();
        assertThat(at).hasSize(60);
        // 60 at 20/s: about 3 s from first to last, and never more than a few in any quarter second
        assertThat(java.time.Duration.between(at.getFirst(), at.getLast())).isBetween(
                java.time.Duration.ofMillis(2_700), java.time.Duration.ofMillis(6_000));
        for (int i = 0; i < at.size(); i++) {
            int j = i;
            while (j < at.size() && at.get(j).isBefore(at.get(i).plusMillis(250))) j++;
            assertThat(j - i).as("messages within 250 ms of message %d", i).isLessThanOrEqualTo(8);
        }
    }

    @Test
    void aListChangedSinceTheJournalWasStartedIsRefusedOnResume() throws Exception {
        Path csv = file("list.csv", "email,name,n\nchanged1@remote.test,A,1\n");
        SluiceProcess.Outcome first = send(csv, eml, "--resume"); // no journal yet: --resume starts the campaign
        assertThat(first.exit()).as(first.stderr()).isZero();
        assertThat(first.stderr()).contains("no journal to resume");
        SluiceProcess.Outcome nothingLeft = send(csv, eml, "--resume");
        assertThat(nothingLeft.exit()).as(nothingLeft.stderr()).isZero();
        assertThat(nothingLeft.stdout()).contains("campaign done: 0 rows").contains("earlier runs: 1 rows (1 accepted");
        Files.writeString(csv, "email,name,n\nchanged2@remote.test,B,1\n");
        oneLine(send(csv, eml, "--resume"), 2, "list.csv changed since the campaign started", "delete the journal");
        assertThat(s.queue().stream().filter(m -> m.envelope().recipients().get(0).address().startsWith("changed"))).hasSize(1);
    }

    @Test
    void dryRunPrintsTheFirstRowsMessageAndSendsNothing() throws Exception {
        int before = s.queue().size();
        SluiceProcess.Outcome o = send(file("list.csv", "email,name,n\nbad,Z,0\ndry@remote.test,Ann,7\n"), eml, "--dry-run");
        assertThat(o.exit()).as(o.stderr()).isZero();
        assertThat(o.stdout()).contains("Subject: Hello Ann, row 7").contains("To: dry@remote.test").contains("Dear Ann,");
        assertThat(s.queue()).hasSize(before);
    }
}
