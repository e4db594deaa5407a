package sluice.config;

/**
 * The durable queue's storage.
 *
 * @param diskReserve bytes of free space in the data dir below which new mail gets 452 4.3.1
 * @param directIo    the spool's flushes and compactions write past the page cache (O_DIRECT) where the file
 *                    system takes it
 */
public record SpoolConfig(long diskReserve, boolean directIo) {}
