package sluice.config;

import java.time.Duration;

/**
 * Server-side timeouts (RFC 5321 4.5.3.2).
 *
 * @param command   waiting for the next command (RFC: 5 minutes)
 * @param data      waiting for the next block of DATA or BDAT (RFC: 3 minutes)
 * @param handshake a TLS handshake, or a PROXY header
 * @param shutdown  how long SIGTERM waits for transactions in flight
 */
public record TimeoutsConfig(Duration command, Duration data, Duration handshake, Duration shutdown) {}
