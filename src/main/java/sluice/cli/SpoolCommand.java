package sluice.cli;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import sluice.config.Config;
import sluice.spool.SpoolException;
import sluice.spool.SpoolSalvage;

@Command(name = "spool", mixinStandardHelpOptions = true,
        description = "Maintenance of the spool (DATA/spool, the queue's RocksDB database).",
        subcommands = {SpoolCommand.Salvage.class})
final class SpoolCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: salvage (see --help)");
    }

    @Command(name = "salvage", mixinStandardHelpOptions = true,
            description = {"Recover what can be recovered of a spool that `sluice serve` refused to open because it is "
                    + "damaged. Stop the server first.",
                    "It copies the spool to DATA/spool.damaged-TIME (left untouched), opens the spool skipping every "
                            + "damaged write-ahead-log record, removes messages of which only the envelope or only the "
                            + "data survived (saving such data as .eml files in the copy), and lists by queue id what "
                            + "could not be recovered. Exit 0 when it ran (even if messages were lost), 1 when it could not."})
    static final class Salvage implements Callable<Integer> {
        @Mixin Options options;

        @Override
        public Integer call() throws Exception {
            Config config = options.load();
            Path dir = config.dataDir().resolve("spool");
            SpoolSalvage.Report r;
            try {
                r = SpoolSalvage.salvage(dir, Instant.now());
            } catch (SpoolException e) {
                throw new Failures.UserError(1, e.getMessage());
            }
            System.out.println("copied the spool as it was to " + r.copy() + " (untouched)");
            System.out.println("write-ahead log: " + (r.damagedRecords() == 0 ? "no damaged records"
                    : r.damagedRecords() + " damaged record(s), " + r.damagedBytes() + " bytes, in " + String.join(", ", r.damagedFiles())
                            + " (skipped)"));
            System.out.println("recovered: " + r.recovered() + " message(s), whole");
            list("lost (in the log, now gone)", r.lost(), "");
            list("removed, envelope without data", r.envelopeWithoutData(), "");
            list("removed, data without envelope", r.dataWithoutEnvelope(), " (data saved in " + r.saved() + ")");
            list("removed, envelope unreadable", r.undecodable(), " (data saved in " + r.saved() + ")");
            System.out.println(r.complete() ? "nothing was lost; `sluice serve` can start"
                    : "not recovered: " + (r.lost().size() + r.envelopeWithoutData().size() + r.dataWithoutEnvelope().size()
                    + r.undecodable().size()) + " message(s), listed above; `sluice serve` can start");
            return 0;
        }

        private static void list(String what, List<String> ids, String note) {
            System.out.println(what + ": " + ids.size() + (ids.isEmpty() ? "" : note));
            for (String id : ids) System.out.println("  " + id);
        }
    }
}
