package sluice.spool;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Durable storage of messages: envelope, per-recipient state, data. */
public final class Spool implements AutoCloseable {

    /** Opens (creating if needed) the spool in {@code dir} for reading and writing; recovers after a crash. */
    public static Spool open(Path dir, long diskReserveBytes) throws SpoolException {
        throw new IllegalStateException("spool: stub");
    }

    /** Opens a spool that a running server may hold, for reading only (CLI). */
    public static Spool openReadOnly(Path dir) throws SpoolException {
        throw new IllegalStateException("spool: stub");
    }

    /** A new unique queue id (sortable by time). */
    public String newId() {
        throw new IllegalStateException("spool: stub");
    }

    /** Stores a new message; returns only once it is fsynced (group commit with concurrent callers). */
    public void commit(String id, Envelope envelope, byte[] data) throws SpoolException {
        throw new IllegalStateException("spool: stub");
    }

    /** False when free space in the data dir is below the reserve (cached, cheap to call per message). */
    public boolean hasDiskReserve() {
        throw new IllegalStateException("spool: stub");
    }

    public List<QueuedMessage> list() throws SpoolException {
        throw new IllegalStateException("spool: stub");
    }

    public Optional<QueuedMessage> find(String id) throws SpoolException {
        throw new IllegalStateException("spool: stub");
    }

    public Optional<byte[]> readData(String id) throws SpoolException {
        throw new IllegalStateException("spool: stub");
    }

    /** Replaces the envelope (recipient states) and queue state of a message, durably. */
    public void update(String id, Envelope envelope, QueueState state) throws SpoolException {
        throw new IllegalStateException("spool: stub");
    }

    /** Removes a message and its data, durably. */
    public void remove(String id) throws SpoolException {
        throw new IllegalStateException("spool: stub");
    }

    @Override
    public void close() {
        throw new IllegalStateException("spool: stub");
    }
}
