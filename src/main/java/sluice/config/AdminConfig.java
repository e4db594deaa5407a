package sluice.config;

import java.nio.file.Path;

/** The admin HTTP API and dashboard. {@code address} is "host:port" with a literal host. */
public record AdminConfig(String address, Path tokenFile) {}
