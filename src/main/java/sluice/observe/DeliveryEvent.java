package sluice.observe;

import java.time.Instant;

/**
 * One line of the delivery log (CONTRACT.md fields). Events are values fanned out to the log file and,
 * later, to metrics and webhooks; null fields are left out of the line.
 */
public sealed interface DeliveryEvent {
    Instant ts();

    String event();

    /** A message was accepted and is durably queued. */
    record Received(Instant ts, String queueId, String messageId, String sender, java.util.List<String> recipients,
                    int listener, String clientIp, String tls, String authUser, long size) implements DeliveryEvent {
        public String event() {
            return "received";
        }
    }

    /** A command of a mail transaction was refused (MAIL, RCPT, end of data). */
    record Rejected(Instant ts, String sender, String recipient, int listener, String clientIp, String tls,
                    String authUser, int code, String enhancedCode, String text) implements DeliveryEvent {
        public String event() {
            return "rejected";
        }
    }

    /**
     * The outcome of one delivery attempt for one recipient: {@code delivered}, {@code deferred}, {@code bounced},
     * or {@code expired} (the queue lifetime ran out). Remote fields are null/0 when no host answered.
     */
    record Attempt(Instant ts, String event, String queueId, String messageId, String sender, String recipient,
                   String remoteHost, String remoteIp, int remotePort, String tls, int code, String enhancedCode,
                   String text, int attempt, long durationMs, long size, String route) implements DeliveryEvent {}

    /** An operator's action on a queued message: {@code held}, {@code released}, {@code deleted}. */
    record QueueAction(Instant ts, String event, String queueId, String messageId, String sender, String text)
            implements DeliveryEvent {}
}
