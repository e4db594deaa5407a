package sluice.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sluice.policy.SuppressionCsv;
import sluice.policy.SuppressionList;

@Command(name = "suppression",
        description = "Recipients that get no more mail (kept in the spool's database; with a server running, "
                + "changed through its admin API).",
        subcommands = {SuppressionCommand.ListEntries.class, SuppressionCommand.Add.class, SuppressionCommand.Remove.class,
                SuppressionCommand.Import.class, SuppressionCommand.Export.class})
final class SuppressionCommand {
    private static final int PAGE = 5_000;
    private static final int IMPORT_BATCH = 1_000; // ≤ 600 KB of JSON per request (the admin API takes 1 MB)
    private static final int SHOWN_ERRORS = 20;

    static SuppressionTarget open(Options o) throws Exception {
        return SuppressionTarget.open(o.load());
    }

    /** Visits every entry, a page at a time. */
    static void each(SuppressionTarget target, EntryVisitor visitor) throws Exception {
        String after = null;
        do {
            SuppressionList.Page page = target.page(after, PAGE);
            for (SuppressionList.Entry e : page.entries()) visitor.visit(e);
            after = page.next();
        } while (after != null);
    }

    interface EntryVisitor {
        void visit(SuppressionList.Entry e) throws IOException;
    }

    @Command(name = "list", description = "List suppressed recipients: sending domain (* = all), address, added, reason.")
    static final class ListEntries implements Callable<Integer> {
        @Mixin Options options;

        @Option(names = "--json", description = "print a JSON array of {domain, address, reason, added}")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (SuppressionTarget target = open(options)) {
                if (json) {
                    JsonGenerator out = new ObjectMapper().getFactory().createGenerator(System.out).useDefaultPrettyPrinter();
                    out.writeStartArray();
                    each(target, e -> {
                        out.writeStartObject();
                        out.writeStringField("domain", e.domain());
                        out.writeStringField("address", e.address());
                        out.writeStringField("reason", e.reason());
                        out.writeStringField("added", e.added().toString());
                        out.writeEndObject();
                    });
                    out.writeEndArray();
                    out.flush();
                    System.out.println();
                    return 0;
                }
                long[] n = {0};
                each(target, e -> {
                    if (n[0]++ == 0) System.out.printf("%-20s %-40s %-20s %s%n", "DOMAIN", "ADDRESS", "ADDED", "REASON");
                    System.out.printf("%-20s %-40s %-20s %s%n", e.domain(), e.address(),
                            e.added().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), e.reason());
                });
                if (n[0] == 0) System.err.println("no suppressed recipients");
                return 0;
            }
        }
    }

    @Command(name = "add", description = "Suppress a recipient for one sending domain, or for every sender (default).")
    static final class Add implements Callable<Integer> {
        @Mixin Options options;

        @Parameters(paramLabel = "ADDR")
        String address;

        @Option(names = "--domain", paramLabel = "D", description = "sending domain (default: * = every sender)")
        String domain = SuppressionList.ALL_SENDERS;

        @Option(names = "--reason", paramLabel = "TEXT", description = "why (default: \"manual\")")
        String reason = "manual";

        @Override
        public Integer call() throws Exception {
            checked(domain, address, reason); // bad input: one line, before anything is opened
            try (SuppressionTarget target = open(options)) {
                boolean added;
                try {
                    added = target.add(domain, address, reason);
                } catch (IllegalArgumentException e) {
                    throw new Failures.UserError(2, e.getMessage());
                }
                System.out.println((added ? "suppressed " : "already suppressed (reason updated) ") + address
                        + " for " + label(domain));
                return 0;
            }
        }
    }

    @Command(name = "remove", description = "Lift a suppression.")
    static final class Remove implements Callable<Integer> {
        @Mixin Options options;

        @Parameters(paramLabel = "ADDR")
        String address;

        @Option(names = "--domain", paramLabel = "D", description = "sending domain (default: * = every sender)")
        String domain = SuppressionList.ALL_SENDERS;

        @Override
        public Integer call() throws Exception {
            checked(domain, address, "");
            try (SuppressionTarget target = open(options)) {
                boolean removed;
                try {
                    removed = target.remove(domain, address);
                } catch (IllegalArgumentException e) {
                    throw new Failures.UserError(2, e.getMessage());
                }
                if (!removed) throw new Failures.UserError(1, address + " is not suppressed for " + label(domain));
                System.out.println("removed " + address + " for " + label(domain));
                return 0;
            }
        }
    }

    @Command(name = "import", description = "Add (or update) the entries of a CSV file with a header row: "
            + "address (required), domain (default *), reason (default \"imported\"), added (RFC 3339, default now). "
            + "Bad rows are reported with line and column and skipped (exit 2).")
    static final class Import implements Callable<Integer> {
        @Mixin Options options;

        @Parameters(paramLabel = "FILE.csv")
        Path file;

        @Override
        public Integer call() throws Exception {
            if (!Files.isReadable(file)) throw new Failures.UserError(2, file + ": cannot read it");
            long size = Math.max(1, Files.size(file));
            long added = 0, updated = 0, bad = 0;
            Progress progress = new Progress();
            try (SuppressionTarget target = open(options);
                 SuppressionCsv.Reader in = reader(file)) {
                List<SuppressionList.Entry> batch = new ArrayList<>(IMPORT_BATCH);
                SuppressionCsv.Row row;
                while (true) {
                    try {
                        row = in.next();
                    } catch (IOException e) {
                        throw new Failures.UserError(2, file + ": " + e.getMessage() + " (stopped; the " + (added + updated)
                                + " entries before it are imported)");
                    }
                    if (row instanceof SuppressionCsv.Bad b) {
                        if (bad++ < SHOWN_ERRORS) System.err.println(file + ": " + b.message() + " (row skipped)");
                        continue;
                    }
                    if (row instanceof SuppressionCsv.Good g) batch.add(g.entry());
                    if (batch.size() == IMPORT_BATCH || (row == null && !batch.isEmpty())) {
                        SuppressionList.Counts c = target.putAll(batch);
                        added += c.added();
                        updated += c.updated();
                        batch.clear();
                        progress.maybe("imported " + (added + updated) + " entries ("
                                + Math.clamp(in.charsRead() * 100 / size, 0, 100) + "% of the file)");
                    }
                    if (row == null) break;
                }
            }
            System.out.println("imported " + (added + updated) + " entries from " + file + " (" + added + " new, "
                    + updated + " updated)" + (bad == 0 ? "" : "; " + bad + " bad rows skipped"));
            if (bad > 0) throw new Failures.UserError(2, file + ": " + bad + " bad rows skipped"
                    + (bad > SHOWN_ERRORS ? " (the first " + SHOWN_ERRORS + " are shown above)" : ""));
            return 0;
        }

        private static SuppressionCsv.Reader reader(Path file) throws IOException {
            try {
                return new SuppressionCsv.Reader(Files.newBufferedReader(file, StandardCharsets.UTF_8), Instant.now());
            } catch (IOException e) {
                throw new Failures.UserError(2, file + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "export", description = "Write every entry as CSV (address, domain, reason, added; header row) "
            + "to FILE.csv, or to standard output.")
    static final class Export implements Callable<Integer> {
        @Mixin Options options;

        @Parameters(paramLabel = "FILE.csv", arity = "0..1")
        Path file;

        @Override
        public Integer call() throws Exception {
            long[] n = {0};
            Progress progress = new Progress();
            try (SuppressionTarget target = open(options);
                 Writer to = file == null ? new OutputStreamWriter(System.out, StandardCharsets.UTF_8)
                         : Files.newBufferedWriter(file, StandardCharsets.UTF_8);
                 SuppressionCsv.Writer out = new SuppressionCsv.Writer(to)) {
                each(target, e -> {
                    out.write(e);
                    if (++n[0] % PAGE == 0 && file != null) progress.maybe("exported " + n[0] + " entries");
                });
            }
            if (file != null) System.err.println("exported " + n[0] + " entries to " + file);
            return 0;
        }
    }

    /** A progress line on stderr at most every two seconds (a big file takes a while; a small one prints none). */
    private static final class Progress {
        private long last = System.nanoTime();

        void maybe(String line) {
            long now = System.nanoTime();
            if (now - last < 2_000_000_000L) return;
            last = now;
            System.err.println(line);
        }
    }

    private static void checked(String domain, String address, String reason) {
        try {
            SuppressionList.entry(domain, address, reason, Instant.now());
        } catch (IllegalArgumentException e) {
            throw new Failures.UserError(2, e.getMessage());
        }
    }

    private static String label(String domain) {
        return domain == null || domain.equals(SuppressionList.ALL_SENDERS) ? "every sender" : domain;
    }
}
