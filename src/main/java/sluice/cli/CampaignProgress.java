package sluice.cli;

import java.io.Console;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import sluice.send.Campaign;

/**
 * The campaign's progress on stderr: on a terminal a live bar (done/total, rate, refused, ETA) drawn by the
 * progressbar library; otherwise (a pipe, CI) a plain line every few seconds.
 */
final class CampaignProgress implements AutoCloseable {
    private static final long PLAIN_EVERY_SECONDS = 5;

    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("campaign-progress").daemon(true).factory());
    private final ProgressBar bar;
    private final int total;
    private final int before;
    private final Campaign.Counts counts;
    private final long started = System.nanoTime();
    private final java.util.List<String> held = new java.util.ArrayList<>();

    private CampaignProgress(ProgressBar bar, int total, int before, Campaign.Counts counts) {
        this.bar = bar;
        this.total = total;
        this.before = before;
        this.counts = counts;
    }

    /** @param before rows an earlier run finished (the bar starts there) */
    static CampaignProgress start(int total, int before, Campaign.Counts counts, String name) {
        ProgressBar bar = null;
        if (terminal()) {
            bar = new ProgressBarBuilder().setTaskName("send").setInitialMax(total).startsFrom(before, Duration.ZERO)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(250)
                    .showSpeed().setUnit(" rows", 1).build();
        }
        CampaignProgress p = new CampaignProgress(bar, total, before, counts);
        if (bar != null) {
            p.ticker.scheduleAtFixedRate(p::draw, 100, 100, TimeUnit.MILLISECONDS);
        } else {
            System.err.println("sluice: sending " + (total - before) + " of " + total + " rows of " + name);
            p.ticker.scheduleAtFixedRate(p::line, PLAIN_EVERY_SECONDS, PLAIN_EVERY_SECONDS, TimeUnit.SECONDS);
        }
        return p;
    }

    private void draw() {
        bar.stepTo(before + counts.done());
        bar.setExtraMessage(counts.refused.get() + counts.suppressed.get() == 0 ? ""
                : " | " + counts.refused.get() + " refused, " + counts.suppressed.get() + " suppressed");
    }

    private void line() {
        long done = counts.done();
        double seconds = (System.nanoTime() - started) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        long left = total - before - done;
        String eta = rate > 0 ? CampaignSummary.duration((long) (left / rate * 1e9)) : "?";
        System.err.printf(Locale.ROOT, "sluice: %d/%d rows (%d%%), %.0f rows/s, %d refused, %d suppressed, ETA %s%n",
                before + done, total, total == 0 ? 100 : (before + done) * 100 / total, rate, counts.refused.get(),
                counts.suppressed.get(), eta);
    }

    /**
     * A line for the person watching (a refused row): at once without a bar; with one, after it (the bar redraws its
     * own line, and a line printed under it would be overwritten).
     */
    synchronized void println(String text) {
        if (bar == null) System.err.println("sluice: " + text);
        else held.add("sluice: " + text);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        if (bar != null) {
            draw();
            bar.close();
            synchronized (this) {
                held.forEach(System.err::println);
            }
        }
    }

    /** Whether stderr goes to a person: the JDK's console (isTerminal from JDK 22 on) and not a pipe. */
    private static boolean terminal() {
        Console c = System.console();
        if (c == null) return false;
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true; // JDK 21: a console exists only on a terminal
        }
    }
}
