package sluice.observe;

import java.time.Instant;

/**
 * What happened, as values fanned out to the delivery log, the metrics and, later, webhooks. The mail events
 * are lines of the delivery log (CONTRACT.md fields; null fields are left out of the line); the
 * {@link ConnectionEvent}s are for counting only and never written to the log.
 */
public sealed interface DeliveryEvent {
    Instant ts();

    String event();

    /** A message was accepted and is durably queued ({@code dsnFor}: the queue id a DSN reports on, else null). */
    record Received(Instant ts, String queueId, String messageId, String sender, java.util.List<String> recipients,
                    int listener, String clientIp, String tls, String authUser, long size, String dsnFor) implements DeliveryEvent {
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
     * or {@code expired} (the queue lifetime ran out). Remote fields are null/0 when no host answered;
     * {@code bounceClass} (for deferred, bounced, expired) is the class of the reply, e.g. "invalid_recipient".
     */
    record Attempt(Instant ts, String event, String queueId, String messageId, String sender, String recipient,
                   String remoteHost, String remoteIp, int remotePort, String tls, int code, String enhancedCode,
                   String text, int attempt, long durationMs, long size, String route, String bounceClass,
                   String egressSource, String egressIp, String tlsPolicy)
            implements DeliveryEvent {
        /** An attempt without a transit policy (local delivery, no connection). */
        public Attempt(Instant ts, String event, String queueId, String messageId, String sender, String recipient,
                       String remoteHost, String remoteIp, int remotePort, String tls, int code, String enhancedCode,
                       String text, int attempt, long durationMs, long size, String route, String bounceClass,
                       String egressSource, String egressIp) {
            this(ts, event, queueId, messageId, sender, recipient, remoteHost, remoteIp, remotePort, tls, code,
                    enhancedCode, text, attempt, durationMs, size, route, bounceClass, egressSource, egressIp, null);
        }

        /** An attempt from no named egress source. */
        public Attempt(Instant ts, String event, String queueId, String messageId, String sender, String recipient,
                       String remoteHost, String remoteIp, int remotePort, String tls, int code, String enhancedCode,
                       String text, int attempt, long durationMs, long size, String route, String bounceClass) {
            this(ts, event, queueId, messageId, sender, recipient, remoteHost, remoteIp, remotePort, tls, code,
                    enhancedCode, text, attempt, durationMs, size, route, bounceClass, null, null, null);
        }
    }

    /** An operator's action on a queued message: {@code held}, {@code released}, {@code deleted}. */
    record QueueAction(Instant ts, String event, String queueId, String messageId, String sender, String text)
            implements DeliveryEvent {}

    /**
     * Shaping changed what an egress source may send to a destination group: {@code backoff} (rate-limit replies
     * lowered its rate and connections), {@code suspended} (a reputation block took the source out for the group),
     * {@code resumed} (a suspension ended, or backoff recovered to the configured limits); {@code listed} and
     * {@code delisted} (the source's own address in a DNS blocklist; {@code group} is then the zone).
     */
    record Shaping(Instant ts, String event, String egressSource, String group, String text) implements DeliveryEvent {}

    /**
     * What a listener or a client connection did, for metrics: one event per listener, connection, TLS handshake
     * or AUTH, never per command. Not lines of the delivery log. {@code mode} is the listener mode's key
     * (mx, submission, submissions); {@code port} the port actually bound.
     */
    sealed interface ConnectionEvent extends DeliveryEvent {}

    /** A listener is bound and accepting (so its metrics exist, at zero, before the first client). */
    record ListenerStarted(Instant ts, int port, String mode) implements ConnectionEvent {
        public String event() {
            return "listener_started";
        }
    }

    /** A client was admitted to a session (past the PROXY header, access rules and connection limits). */
    record ConnectionOpened(Instant ts, int port, String mode, String clientIp) implements ConnectionEvent {
        public String event() {
            return "connection_opened";
        }
    }

    /**
     * A client was turned away before its session: {@code deny_rule}, {@code max_connections},
     * {@code max_connections_per_ip}, {@code proxy_header} (missing or malformed, or a
     * peer outside {@code proxy_from}) or {@code dnsbl}.
     */
    record ConnectionRefused(Instant ts, int port, String mode, String clientIp, String reason)
            implements ConnectionEvent {
        public String event() {
            return "connection_refused";
        }
    }

    /** An admitted session ended; {@code messages} is how many it queued. */
    record ConnectionClosed(Instant ts, int port, String mode, long durationMs, int messages)
            implements ConnectionEvent {
        public String event() {
            return "connection_closed";
        }
    }

    /** A TLS handshake with a client completed: implicit TLS (port 465) or STARTTLS. */
    record TlsEstablished(Instant ts, int port, String mode, String version, String cipher, boolean implicit)
            implements ConnectionEvent {
        public String event() {
            return "tls_established";
        }
    }

    /**
     * One AUTH attempt and its result: {@code success}, {@code failure}, {@code locked_out} or {@code unavailable}.
     * No user name and never credentials: the delivery log's {@code auth_user} is where a user shows up.
     */
    record AuthAttempt(Instant ts, int port, String result) implements ConnectionEvent {
        public String event() {
            return "auth_attempt";
        }
    }
}
