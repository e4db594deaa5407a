package sluice.send;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.List;

/**
 * The progress journal of a campaign, next to its list ({@code FILE.csv.sluice-progress}): a first line naming the
 * list's and the template's SHA-256, then one line per finished row ({@code ROW OUTCOME [REASON]}), appended and
 * fsynced a batch at a time. {@code --resume} skips the rows it names; a list or template that changed since is
 * refused, since its row numbers would name other people. A row whose answer arrived but whose line was not yet
 * written (a crash) is sent again with the same Idempotency-Key, which the server answers without queueing twice.
 */
public final class CampaignJournal implements AutoCloseable {
    private static final String MAGIC = "sluice-progress 1";
    /** Lines per fsync at most; between batches {@link #flush} is called by the campaign's timer too. */
    private static final int BATCH = 512;

    /** What a finished row came to, as the journal writes it. */
    public enum Outcome { ACCEPTED, SUPPRESSED, REFUSED }

    /** A row recorded by an earlier run. */
    public record Earlier(int row, Outcome outcome, String reason) {}

    /** The journal cannot be used for this campaign. */
    public static final class Mismatch extends Exception {
        public Mismatch(String message) {
            super(message, null, false, false);
        }
    }

    private final Path path;
    private final FileChannel channel;
    private final StringBuilder pending = new StringBuilder();
    private int pendingLines;
    private final BitSet done;

    private CampaignJournal(Path path, FileChannel channel, BitSet done) {
        this.path = path;
        this.channel = channel;
        this.done = done;
    }

    public static Path pathFor(Path list) {
        return list.resolveSibling(list.getFileName() + ".sluice-progress");
    }

    /** Starts a new journal; the file must not exist. */
    public static CampaignJournal create(Path list, String listSha, String templateSha) throws IOException {
        Path path = pathFor(list);
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        ch.write(ByteBuffer.wrap((MAGIC + " csv=" + listSha + " template=" + templateSha + "\n").getBytes(StandardCharsets.UTF_8)));
        ch.force(true);
        fsyncDir(path.toAbsolutePath().getParent());
        return new CampaignJournal(path, ch, new BitSet());
    }

    /**
     * Opens an existing journal to continue it.
     *
     * @param earlier receives the rows it records, for the summary
     */
    public static CampaignJournal resume(Path list, String listSha, String templateSha, List<Earlier> earlier)
            throws IOException, Mismatch {
        Path path = pathFor(list);
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.getFirst().startsWith(MAGIC + " ")) {
            throw new Mismatch(path + " is no sluice progress journal");
        }
        String head = lines.getFirst();
        if (!head.contains(" csv=" + listSha + " ") && !head.endsWith(" csv=" + listSha)) {
            throw new Mismatch(list + " changed since the campaign started (its SHA-256 differs from the one in " + path
                    + "); resuming would send to the wrong rows: restore the file, or delete the journal to start over");
        }
        if (!head.contains(" template=" + templateSha)) {
            throw new Mismatch("the template changed since the campaign started (its SHA-256 differs from the one in "
                    + path + "); resume with the same template, or delete the journal to start over");
        }
        BitSet done = new BitSet();
        boolean complete = true;
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            String[] f = line.split(" ", 3);
            if (f.length < 2) {
                // a torn last line (a crash mid-write) names no finished row; anything else is damage
                if (i == lines.size() - 1) {
                    complete = false;
                    break;
                }
                throw new Mismatch(path + " line " + (i + 1) + " is damaged: \"" + line + "\"");
            }
            try {
                int row = Integer.parseInt(f[0]);
                Outcome o = Outcome.valueOf(f[1]);
                if (!done.get(row)) earlier.add(new Earlier(row, o, f.length > 2 ? f[2] : null));
                done.set(row);
            } catch (IllegalArgumentException e) {
                if (i == lines.size() - 1) {
                    complete = false;
                    break;
                }
                throw new Mismatch(path + " line " + (i + 1) + " is damaged: \"" + line + "\"");
            }
        }
        FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        if (!complete || (Files.size(path) > 0 && !endsWithNewline(path))) {
            ch.write(ByteBuffer.wrap("\n".getBytes(StandardCharsets.UTF_8))); // end the torn line
        }
        return new CampaignJournal(path, ch, done);
    }

    private static boolean endsWithNewline(Path path) throws IOException {
        try (FileChannel r = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            r.read(b, r.size() - 1);
            return b.get(0) == '\n';
        }
    }

    public Path path() {
        return path;
    }

    /** Whether an earlier run finished this row. */
    public synchronized boolean done(int row) {
        return done.get(row);
    }

    /** Notes a finished row; written at the next {@link #flush} (or now, when a batch is full). */
    public synchronized void record(int row, Outcome outcome, String reason) throws IOException {
        if (done.get(row)) return;
        done.set(row);
        pending.append(row).append(' ').append(outcome.name());
        if (reason != null) pending.append(' ').append(reason.replace('\n', ' ').replace('\r', ' '));
        pending.append('\n');
        if (++pendingLines >= BATCH) flush();
    }

    /** Writes and fsyncs what {@link #record} noted since the last flush. */
    public synchronized void flush() throws IOException {
        if (pending.isEmpty()) return;
        ByteBuffer b = ByteBuffer.wrap(pending.toString().getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) channel.write(b);
        channel.force(false);
        pending.setLength(0);
        pendingLines = 0;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            flush();
        } finally {
            channel.close();
        }
    }

    private static void fsyncDir(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // not every file system lets a directory be opened; the journal's own fsync still holds its lines
        }
    }
}
