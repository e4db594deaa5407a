package sluice.dns;

/** One mail exchanger of a domain: its host name (lower case, no trailing dot) and MX preference. */
public record MxHost(String host, int preference) {}
