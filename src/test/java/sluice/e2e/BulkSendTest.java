package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import sluice.spool.QueuedMessage;
import sluice.spool.Recipient;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.SluiceProcess;

/**
 * {@code sluice send} as an operator runs it: a child process posting a 10,000-row campaign to a real node, stopped
 * with a real SIGINT half way and resumed; the queue (delivery paused) is the sink, counted by recipient.
 */
class BulkSendTest {
    private static final Pattern KEY = Pattern.compile("sk_[A-Za-z0-9_-]{43}");
    static final int ROWS = 10_000;

    static Path apiKey(SluiceHarness s) throws Exception {
        Peer.Result made = SluiceProcess.run(null, "user", "apikey", SluiceHarness.USER, "--config", config(s));
        assertThat(made.exit()).as(made.output()).isZero();
        Matcher m = KEY.matcher(made.output());
        assertThat(m.find()).as(made.output()).isTrue();
        Path file = s.dir.resolve("api.key");
        Files.writeString(file, m.group() + "\n");
        return file;
    }

    static String config(SluiceHarness s) {
        return s.dir.resolve("sluice.toml").toString();
    }

    static Path template(Path dir) throws Exception {
        Path eml = dir.resolve("campaign.eml");
        Files.writeString(eml, """
                From: "Example News" <news@example.test>
                Subject: Hello {{name}}, row {{n}}

                Dear {{name}},
                this is message {{n}}.
                """);
        return eml;
    }

    @Test
    void tenThousandRowsInterruptedBySigintAndResumedAreEachSentOnce() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            Path key = apiKey(s);
            Path eml = template(s.dir);
            Path csv = s.dir.resolve("list.csv");
            StringBuilder rows = new StringBuilder("email,name,n\n");
            for (int i = 1; i <= ROWS; i++) rows.append("r").append(i).append("@remote.test,Person ").append(i).append(',').append(i).append('\n');
            Files.writeString(csv, rows);
            Path journal = s.dir.resolve("list.csv.sluice-progress");
            String[] args = {"send", "--list", csv.toString(), "--template", eml.toString(), "--api-key-file", key.toString(),
                    "--config", config(s), "--rate", "1500/s"};

            // A child inherits an ignored SIGINT (a test run started in the background, nohup), and the JVM then
            // keeps it ignored: env puts the default disposition back, as an operator's terminal has it.
            List<String> cmd = new java.util.ArrayList<>(List.of("env", "--default-signal=INT"));
            cmd.addAll(SluiceProcess.command(args));
            Path log = s.dir.resolve("first-run.log");
            Process first = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> s.queue().size() >= 2_000 || !first.isAlive());
                assertThat(first.isAlive()).as(Files.readString(log)).isTrue();
                Peer.Result sigint = Peer.run(List.of("kill", "-INT", Long.toString(first.pid())), null, 10);
                assertThat(sigint.exit()).isZero();
                assertThat(first.waitFor(30, TimeUnit.SECONDS)).as(Files.readString(log)).isTrue();
                assertThat(first.exitValue()).as(Files.readString(log)).isEqualTo(130);
                assertThat(Files.readString(log)).contains("campaign interrupted").contains("continue with --resume");
            } finally {
                first.destroyForcibly();
            }
            int afterFirst = s.queue().size();
            assertThat(afterFirst).isBetween(2_000, ROWS - 1);
            // every accepted row is in the journal: the Ctrl-C path records the requests that were in flight
            long journaled = Files.readAllLines(journal).stream().filter(l -> l.endsWith(" ACCEPTED")).count();
            assertThat(journaled).isEqualTo(afterFirst);

            SluiceProcess.Outcome again = SluiceProcess.runApart(null, java.util.Arrays.copyOf(args, args.length - 2));
            assertThat(again.exit()).as(again.stderr()).isEqualTo(2);
            assertThat(again.stderr().strip().lines().count()).as(again.stderr()).isEqualTo(1);
            assertThat(again.stderr()).contains("--resume").contains(journal.toString());

            String[] resume = java.util.Arrays.copyOf(args, args.length + 1);
            resume[args.length - 2] = "--resume";
            resume[args.length - 1] = "--concurrency";
            resume[args.length] = "16";
            SluiceProcess.Outcome resumed = SluiceProcess.runApart(null, resume);
            assertThat(resumed.exit()).as(resumed.stdout() + resumed.stderr()).isZero();
            assertThat(resumed.stdout()).contains("campaign done: " + (ROWS - afterFirst) + " rows")
                    .contains("accepted    " + (ROWS - afterFirst))
                    .contains("earlier runs: " + afterFirst + " rows (" + afterFirst + " accepted");

            List<QueuedMessage> queue = s.queue();
            Map<String, Integer> byRecipient = new HashMap<>();
            for (QueuedMessage m : queue) {
                for (Recipient r : m.envelope().recipients()) byRecipient.merge(r.address(), 1, Integer::sum);
            }
            assertThat(queue).hasSize(ROWS);
            assertThat(byRecipient).hasSize(ROWS);
            assertThat(byRecipient.values()).allMatch(n -> n == 1);
            for (int i = 1; i <= ROWS; i += 997) assertThat(byRecipient).containsKey("r" + i + "@remote.test");

            // the message of one row, as queued: its own subject and body
            QueuedMessage one = queue.stream().filter(m -> m.envelope().recipients().get(0).address().equals("r4242@remote.test"))
                    .findFirst().orElseThrow();
            String data = new String(s.spool().readData(one.id()).orElseThrow(), StandardCharsets.UTF_8);
            assertThat(data).contains("Subject: Hello Person 4242, row 4242").contains("Dear Person 4242,")
                    .contains("To: r4242@remote.test");
        }
    }
    @Test
    void killedWithSigkillAndResumedEachRowIsQueuedOnceThanksToIdempotencyKeys() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            Path key = apiKey(s);
            Path eml = template(s.dir);
            Path csv = s.dir.resolve("list.csv");
            int rows = 4_000;
            StringBuilder text = new StringBuilder("email,name,n\n");
            for (int i = 1; i <= rows; i++) text.append("k").append(i).append("@remote.test,Person ").append(i).append(',').append(i).append('\n');
            Files.writeString(csv, text);
            String[] args = {"send", "--list", csv.toString(), "--template", eml.toString(), "--api-key-file", key.toString(),
                    "--config", config(s), "--rate", "1000/s"};
            Path log = s.dir.resolve("killed-run.log");
            Process first = new ProcessBuilder(SluiceProcess.command(args)).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> s.queue().size() >= 1_000 || !first.isAlive());
                assertThat(first.isAlive()).as(Files.readString(log)).isTrue();
                // no chance to record what was in flight, nor what was answered since the journal's last flush
                first.destroyForcibly();
                assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                first.destroyForcibly();
            }
            int afterKill = s.queue().size();
            long journaled = Files.readAllLines(s.dir.resolve("list.csv.sluice-progress")).stream()
                    .filter(l -> l.endsWith(" ACCEPTED")).count();
            assertThat(journaled).isLessThanOrEqualTo(afterKill);

            String[] resume = java.util.Arrays.copyOf(args, args.length - 1);
            resume[args.length - 2] = "--resume"; // in place of the rate: as fast as it goes
            SluiceProcess.Outcome resumed = SluiceProcess.runApart(null, resume);
            assertThat(resumed.exit()).as(resumed.stdout() + resumed.stderr()).isZero();
            assertThat(resumed.stdout()).contains("campaign done").contains("refused     0");

            Map<String, Integer> byRecipient = new HashMap<>();
            for (QueuedMessage m : s.queue()) {
                for (Recipient r : m.envelope().recipients()) byRecipient.merge(r.address(), 1, Integer::sum);
            }
            assertThat(byRecipient).hasSize(rows);
            assertThat(byRecipient.values()).allMatch(n -> n == 1);
        }
    }
}
