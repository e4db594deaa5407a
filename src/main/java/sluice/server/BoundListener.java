package sluice.server;

import sluice.config.ListenerConfig;

/**
 * A listener as actually bound.
 *
 * @param port the port in use (port + 10000 when the embedded default could not bind a low port)
 * @param note why it differs from the configured port, or null
 */
public record BoundListener(ListenerConfig config, String address, int port, String note) {}
