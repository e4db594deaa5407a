package sluice.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import sluice.send.Campaign;
import sluice.send.CampaignJournal;

/** The campaign's closing lines: accepted, suppressed, refused by reason, elapsed, rate. */
final class CampaignSummary {
    private CampaignSummary() {}

    static void print(PrintStream out, Campaign.Counts c, List<CampaignJournal.Earlier> earlier, long elapsedNanos,
                      Campaign.End end, Path journal, int total) {
        long done = c.done();
        double seconds = elapsedNanos / 1e9;
        String how = switch (end) {
            case Campaign.End.Finished f -> "done";
            case Campaign.End.Stopped s -> "interrupted";
            case Campaign.End.Broken b -> "stopped";
        };
        out.printf(Locale.ROOT, "campaign %s: %d rows in %s (%.0f rows/s)%n", how, done, duration(elapsedNanos),
                seconds > 0 ? done / seconds : 0.0);
        out.printf("  accepted    %d%n", c.accepted.get());
        out.printf("  suppressed  %d%n", c.suppressed.get());
        out.printf("  refused     %d%n", c.refused.get());
        for (Map.Entry<String, Long> r : c.reasons().entrySet()) out.printf("    %6d  %s%n", r.getValue(), r.getKey());
        if (!earlier.isEmpty()) {
            Map<CampaignJournal.Outcome, Integer> before = new EnumMap<>(CampaignJournal.Outcome.class);
            for (CampaignJournal.Earlier e : earlier) before.merge(e.outcome(), 1, Integer::sum);
            out.printf("  earlier runs: %d rows (%d accepted, %d suppressed, %d refused)%n", earlier.size(),
                    before.getOrDefault(CampaignJournal.Outcome.ACCEPTED, 0),
                    before.getOrDefault(CampaignJournal.Outcome.SUPPRESSED, 0),
                    before.getOrDefault(CampaignJournal.Outcome.REFUSED, 0));
        }
        long left = total - earlier.size() - done;
        if (left > 0) out.printf("  not sent    %d (continue with --resume)%n", left);
        out.println("  journal     " + journal);
    }

    static String duration(long nanos) {
        long s = Math.round(nanos / 1e9);
        if (nanos < 10_000_000_000L) return String.format(Locale.ROOT, "%.1fs", nanos / 1e9);
        if (s < 3600) return (s / 60 > 0 ? s / 60 + "m" : "") + s % 60 + "s";
        return s / 3600 + "h" + (s % 3600) / 60 + "m";
    }
}
