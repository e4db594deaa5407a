package sluice.node;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts a node has started so far, so that a part failing to start closes the ones before it, in reverse
 * order, in one place rather than in every catch block of the start sequence.
 */
final class Started {
    private static final Logger log = LoggerFactory.getLogger(Started.class);
    private final Deque<AutoCloseable> parts = new ArrayDeque<>();

    /** Registers a started part; returns it. */
    <T extends AutoCloseable> T add(T part) {
        if (part != null) parts.push(part);
        return part;
    }

    /** Closes everything started, newest first, and returns the exception to throw. */
    Node.StartException fail(String message, boolean configProblem) {
        closeAll();
        return new Node.StartException(message, configProblem);
    }

    void closeAll() {
        while (!parts.isEmpty()) {
            AutoCloseable part = parts.pop();
            try {
                part.close();
            } catch (Exception e) {
                log.warn("start-up: closing {} after a failed start: {}", part, e.toString());
            }
        }
    }
}
