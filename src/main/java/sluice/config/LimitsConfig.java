package sluice.config;

/**
 * Bounds on what one client may ask of the server.
 *
 * @param maxErrors protocol errors in one session before 421 and disconnect
 */
public record LimitsConfig(
        long maxMessageSize,
        int maxRecipients,
        int maxConnections,
        int maxConnectionsPerIp,
        int maxErrors) {}
