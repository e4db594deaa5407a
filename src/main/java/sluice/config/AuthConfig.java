package sluice.config;

import java.time.Duration;

/**
 * Brute-force protection of AUTH.
 *
 * @param maxFailures  failures from one IP within {@code window} before it is locked out
 * @param window       the window failures are counted in
 * @param lockout      how long a locked-out IP gets 454 4.7.0
 * @param failureDelay how long a failed AUTH is slowed before its reply
 */
public record AuthConfig(int maxFailures, Duration window, Duration lockout, Duration failureDelay) {}
