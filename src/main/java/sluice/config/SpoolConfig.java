package sluice.config;

/**
 * The durable queue's storage.
 *
 * @param diskReserve bytes of free space in the data dir below which new mail gets 452 4.3.1
 */
public record SpoolConfig(long diskReserve) {}
