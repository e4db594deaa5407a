package sluice.config;

import java.nio.file.Path;

/** Where the delivery log (JSON lines) is written. */
public record LogConfig(Path deliveryLog) {}
