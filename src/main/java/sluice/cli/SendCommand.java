package sluice.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sluice.config.Rate;
import sluice.send.Campaign;
import sluice.send.CampaignJournal;
import sluice.send.CampaignList;
import sluice.send.RawTemplate;
import sun.misc.Signal;

/** {@code sluice send --list FILE.csv --template FILE.eml}: a campaign through the running server's send API. */
@Command(name = "send", sortOptions = false, description = {
        "Bulk send: one personalised message per row of a CSV list, made from an",
        "RFC 5322 template with {{column}} placeholders. The list's header row names",
        "the variables; its email column is the recipient. Messages go through the",
        "running server's send API (POST /api/v1/messages with a user's API key), so",
        "may-send-as, limits, suppression and DKIM apply as for any API caller.",
        "Progress is journaled next to the list (FILE.csv.sluice-progress); after",
        "Ctrl-C or a crash, --resume continues without sending a row twice.",
        "Exit: 0 done, 1 server not answering or gone, 2 bad list, template, key or",
        "option, 130 interrupted (143 on SIGTERM)."})
final class SendCommand implements Callable<Integer> {
    @Option(names = "--list", required = true, paramLabel = "FILE.csv",
            description = "recipients: a header row naming the columns (one named email), then one row per message")
    Path list;

    @Option(names = "--template", required = true, paramLabel = "FILE.eml",
            description = "the message: header fields, an empty line, the body; {{column}} placeholders in header"
                    + " values and text parts (HTML-escaped in text/html parts)")
    Path template;

    @Option(names = "--rate", paramLabel = "N/s", description = "a steady pace, e.g. 50/s or 600/min (default: as fast as the server takes them)")
    String rate;

    @Option(names = "--resume", description = "continue the campaign its journal records, skipping finished rows")
    boolean resume;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "24",
            description = "requests in flight at once (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--api-key-file", paramLabel = "FILE",
            description = "file holding the user's API key (sluice user apikey NAME); default: $SLUICE_API_KEY")
    Path apiKeyFile;

    @Option(names = "--require-tls", description = "send every message with REQUIRETLS (RFC 8689): only over verified TLS "
            + "to hosts that support it, else it bounces")
    boolean requireTls;

    @Option(names = "--dry-run", description = "render the first row's message, print it, and send nothing")
    boolean dryRun;

    @Mixin Options options;

    @Override
    public Integer call() throws Exception {
        if (concurrency < 1 || concurrency > 256) throw new Failures.UserError(2, "--concurrency must be 1 to 256 (got " + concurrency + ")");
        Rate pace = null;
        if (rate != null) {
            try {
                pace = Rate.parse(rate);
            } catch (IllegalArgumentException e) {
                throw new Failures.UserError(2, "--rate " + e.getMessage());
            }
        }
        byte[] eml = readFile(template, "template");
        RawTemplate tpl;
        try {
            tpl = RawTemplate.parse(eml);
        } catch (IllegalArgumentException e) {
            throw new Failures.UserError(2, template + ": " + e.getMessage());
        }
        if (!Files.isRegularFile(list)) throw new Failures.UserError(2, "list file not found: " + list);
        CampaignList.Survey survey;
        List<String> columns;
        try {
            survey = CampaignList.survey(list);
            try (CampaignList l = CampaignList.open(list)) {
                columns = l.columns();
            }
        } catch (CampaignList.Unreadable e) {
            throw new Failures.UserError(2, e.getMessage());
        }
        for (String v : tpl.variables()) {
            if (!columns.contains(v) && !v.equals(CampaignList.EMAIL)) {
                throw new Failures.UserError(2, template + ": {{" + v + "}} has no column in " + list
                        + " (columns: " + String.join(", ", columns) + ")");
            }
        }
        if (dryRun) return dryRun(tpl);

        String templateSha = sha256(eml);
        Path journalPath = CampaignJournal.pathFor(list);
        if (Files.exists(journalPath) && !resume) {
            throw new Failures.UserError(2, "a campaign with " + list + " was started before (" + journalPath
                    + "): use --resume to continue it, or delete the journal to send every row again");
        }
        String key = apiKey();
        URI endpoint = URI.create(AdminApi.baseOf(options.load().admin().address()) + "/api/v1/messages");
        Campaign campaign = new Campaign(new Campaign.Settings(endpoint, key, concurrency, pace,
                Campaign.id(survey.sha256(), templateSha), requireTls));
        switch (campaign.probe()) {
            case Campaign.Probe.Ready r -> { }
            case Campaign.Probe.NotAnswering n -> throw new Failures.UserError(1, "no server answers at "
                    + endpoint.getAuthority() + " (the [admin] address of the config): is 'sluice serve' running? (" + n.detail() + ")");
            case Campaign.Probe.KeyRefused k -> throw new Failures.UserError(2, "the send API refused the API key (HTTP "
                    + k.status() + ": " + k.error() + "); make one with 'sluice user apikey NAME'");
        }

        List<CampaignJournal.Earlier> earlier = new ArrayList<>();
        if (resume && !Files.exists(journalPath)) System.err.println("sluice: no journal to resume (" + journalPath + "); starting the campaign");
        CampaignJournal journal;
        try {
            journal = Files.exists(journalPath) ? CampaignJournal.resume(list, survey.sha256(), templateSha, earlier)
                    : CampaignJournal.create(list, survey.sha256(), templateSha);
        } catch (CampaignJournal.Mismatch e) {
            throw new Failures.UserError(2, e.getMessage());
        }
        for (String d : tpl.dropped()) {
            System.err.println("sluice: the template's " + d + " field is left out: each message gets its own");
        }

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger interrupts = new AtomicInteger();
        AtomicInteger stopExit = new AtomicInteger(130);
        for (String name : new String[] {"INT", "TERM"}) {
            int code = name.equals("INT") ? 130 : 143; // 128 + the signal's number, as a shell reports it
            Signal.handle(new Signal(name), s -> {
                if (interrupts.incrementAndGet() == 1) {
                    stopExit.set(code);
                    stop.set(true);
                    System.err.println("\nsluice: stopping: waiting for the requests in flight (Ctrl-C again to quit at once)");
                } else {
                    // the journal may lack the last rows; --resume sends them again under the same Idempotency-Key
                    Runtime.getRuntime().halt(code);
                }
            });
        }
        CampaignProgress progress = CampaignProgress.start(survey.rows(), earlier.size(), campaign.counts(), list.toString());
        AtomicInteger shown = new AtomicInteger();
        long started = System.nanoTime();
        Campaign.End end;
        try (CampaignList rows = CampaignList.open(list); journal) {
            end = campaign.run(rows, journal, tpl, stop, (row, reason) -> {
                int n = shown.incrementAndGet();
                if (n <= 20) progress.println("row " + row + ": " + reason);
                else if (n == 21) progress.println("(further refused rows are counted, and listed in " + journalPath + ")");
            });
        } catch (CampaignList.Unreadable e) {
            progress.close();
            throw new Failures.UserError(2, e.getMessage());
        }
        progress.close();
        long elapsed = System.nanoTime() - started;
        CampaignSummary.print(System.out, campaign.counts(), earlier, elapsed, end, journalPath, survey.rows());
        return switch (end) {
            case Campaign.End.Finished f when campaign.counts().unfinished.get() > 0 -> {
                System.err.println("sluice: " + campaign.counts().unfinished.get()
                        + " rows were not sent (server errors); --resume sends them");
                yield 1;
            }
            case Campaign.End.Finished f -> 0;
            case Campaign.End.Stopped s -> stopExit.get();
            case Campaign.End.Broken b -> {
                System.err.println("sluice: " + b.why() + "; the rows not sent go with --resume");
                yield 1;
            }
        };
    }

    private int dryRun(RawTemplate tpl) throws Exception {
        try (CampaignList rows = CampaignList.open(list)) {
            for (CampaignList.Row row; (row = rows.next()) != null; ) {
                if (row instanceof CampaignList.Row.Good g) {
                    switch (tpl.render(g.values(), g.email())) {
                        case RawTemplate.Rendered.Message m -> System.out.write(m.bytes());
                        case RawTemplate.Rendered.Refused r -> throw new Failures.UserError(2, "row " + g.number() + ": " + r.reason());
                    }
                    System.out.flush();
                    System.err.println("sluice: row " + g.number() + " rendered; nothing sent (--dry-run)");
                    return 0;
                }
                System.err.println("sluice: row " + row.number() + ": " + ((CampaignList.Row.Bad) row).reason());
            }
        }
        throw new Failures.UserError(2, list + ": no row to render");
    }

    private String apiKey() {
        String key;
        if (apiKeyFile != null) {
            key = new String(readFile(apiKeyFile, "API key"), StandardCharsets.UTF_8).strip();
        } else {
            key = System.getenv("SLUICE_API_KEY");
            if (key == null || key.isBlank()) {
                throw new Failures.UserError(2, "no API key: give --api-key-file FILE or set SLUICE_API_KEY"
                        + " (make one with 'sluice user apikey NAME')");
            }
            key = key.strip();
        }
        if (key.isEmpty() || key.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new Failures.UserError(2, "the API key " + (apiKeyFile != null ? "in " + apiKeyFile + " " : "")
                    + "is empty or has spaces or control characters");
        }
        return key;
    }

    private static byte[] readFile(Path file, String what) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new Failures.UserError(2, what + " file not found: " + file);
        } catch (IOException e) {
            throw new Failures.UserError(2, "cannot read the " + what + " file " + file + ": " + e.getMessage());
        }
    }

    private static String sha256(byte[] data) {
        return Campaign.sha256(data);
    }
}
