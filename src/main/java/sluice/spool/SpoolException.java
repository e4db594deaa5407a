package sluice.spool;

import java.io.IOException;
import java.nio.file.Path;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/** Storage failed; the message (or change) was not made durable. {@link #reason()} says what kind of failure. */
public final class SpoolException extends IOException {
    /** What went wrong, so that callers say what really happened (a lock held is not a full disk). */
    public enum Reason {
        /** The database's files are damaged (a checksum or a record length is wrong). */
        CORRUPT,
        /** Another process holds the database's LOCK. */
        LOCKED,
        /** The file system is full. */
        NO_SPACE,
        /** Another I/O error. */
        IO,
        OTHER
    }

    private final Reason reason;

    public SpoolException(String message, Throwable cause) {
        this(message, cause, reasonOf(cause));
    }

    public SpoolException(String message) {
        this(message, null, Reason.OTHER);
    }

    public SpoolException(String message, Throwable cause, Reason reason) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /**
     * One line saying what really stopped the spool under {@code dataDir} from opening, and what to do: the same words
     * for {@code sluice serve}, {@code sendmail} and the queue commands.
     */
    public String openProblem(Path dataDir) {
        Path dir = dataDir.resolve("spool");
        return switch (reason) {
            case LOCKED -> "cannot open the spool in " + dir + ": another process holds its lock"
                    + " (is another sluice running with this data dir?)";
            case CORRUPT -> "the spool in " + dir + " is damaged (" + getMessage() + "); nothing was changed or dropped."
                    + " Run `sluice spool salvage --data-dir " + dataDir + "` (it copies the spool aside first, then"
                    + " recovers what it can and lists what it cannot), or restore " + dir + " from a backup";
            case NO_SPACE -> "cannot open the spool in " + dir + ": no space left on the device (free some space and start again)";
            case IO, OTHER -> "cannot open the spool in " + dir + ": " + getMessage();
        };
    }

    /** Classifies a RocksDB failure by its status (codes are stable; messages are looked at only for the lock). */
    static Reason reasonOf(Throwable t) {
        if (!(t instanceof RocksDBException e) || e.getStatus() == null) return Reason.OTHER;
        Status s = e.getStatus();
        if (s.getCode() == Status.Code.Corruption) return Reason.CORRUPT;
        if (s.getSubCode() == Status.SubCode.NoSpace || String.valueOf(e.getMessage()).contains("No space left")) {
            return Reason.NO_SPACE;
        }
        if (s.getCode() == Status.Code.IOError && String.valueOf(e.getMessage()).contains("lock")) return Reason.LOCKED;
        if (s.getCode() == Status.Code.IOError) return Reason.IO;
        return Reason.OTHER;
    }
}
