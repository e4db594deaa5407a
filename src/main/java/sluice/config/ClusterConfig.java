package sluice.config;

/** Shared state through Redis; an empty {@code redis} means a single node. */
public record ClusterConfig(String redis) {}
