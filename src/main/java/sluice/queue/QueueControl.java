package sluice.queue;

import java.util.Set;
import sluice.spool.SpoolException;

/** Operator actions on queued messages: by the running scheduler, or directly on a spool without one. */
public interface QueueControl {
    /** The actions by name, as the CLI and the admin API call them. */
    Set<String> ACTIONS = Set.of("hold", "release", "retry", "delete", "bounce");

    QueueOpResult hold(String id) throws SpoolException;

    QueueOpResult release(String id) throws SpoolException;

    QueueOpResult retry(String id) throws SpoolException;

    QueueOpResult delete(String id) throws SpoolException;

    QueueOpResult bounce(String id) throws SpoolException;

    /** The action named {@code action} (one of {@link #ACTIONS}). */
    default QueueOpResult apply(String action, String id) throws SpoolException {
        return switch (action) {
            case "hold" -> hold(id);
            case "release" -> release(id);
            case "retry" -> retry(id);
            case "delete" -> delete(id);
            case "bounce" -> bounce(id);
            default -> throw new IllegalArgumentException("unknown action \"" + action + "\" (hold, release, retry, delete, bounce)");
        };
    }
}
