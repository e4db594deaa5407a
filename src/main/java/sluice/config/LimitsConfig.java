package sluice.config;

/**
 * Bounds on what one client may ask of the server.
 *
 * @param maxErrors                  protocol errors in one session before 421 and disconnect
 * @param connectionsPerIpPerMinute  new connections per client IP per minute (0: no limit; trusted networks exempt)
 * @param messagesPerIpPerMinute     messages (MAIL commands) per client IP per minute (0: no limit; trusted exempt)
 * @param messagesPerUserPerHour     messages per authenticated user per hour, SMTP and HTTP together (0: no limit)
 */
public record LimitsConfig(
        long maxMessageSize,
        int maxRecipients,
        int maxConnections,
        int maxConnectionsPerIp,
        int maxErrors,
        int connectionsPerIpPerMinute,
        int messagesPerIpPerMinute,
        int messagesPerUserPerHour) {}
