package sluice.queue;

import java.util.List;
import sluice.delivery.Outcome;
import sluice.spool.QueuedMessage;
import sluice.spool.Recipient;

/** Sends delivery status notifications (DSNs) to a message's sender. */
public interface Notices {
    enum Kind { FAILED, DELAYED, DELIVERED, RELAYED }

    /** One recipient's line in a DSN; {@code outcome} is the last attempt's (null when there was none). */
    record Notice(Recipient recipient, Kind kind, Outcome outcome) {}

    /** Sends one DSN about {@code message} listing {@code notices} (all of one kind of report). */
    void send(QueuedMessage message, List<Notice> notices);

    /** Which notices the sender asked for (RFC 3461 NOTIFY; none for the null sender). */
    static boolean wanted(QueuedMessage m, Recipient r, Kind kind) {
        if (m.envelope().sender().isEmpty()) return false;
        String notify = r.notifyOn();
        if (notify == null) return kind == Kind.FAILED || kind == Kind.DELAYED; // RFC 3461 4.1 default
        String n = notify.toUpperCase(java.util.Locale.ROOT);
        if (n.contains("NEVER")) return false;
        return switch (kind) {
            case FAILED -> n.contains("FAILURE");
            case DELAYED -> n.contains("DELAY");
            case DELIVERED, RELAYED -> n.contains("SUCCESS");
        };
    }

    Notices NONE = (message, notices) -> {};

    static List<Notice> filter(QueuedMessage m, List<Notice> all) {
        return all.stream().filter(n -> wanted(m, n.recipient(), n.kind())).toList();
    }
}
