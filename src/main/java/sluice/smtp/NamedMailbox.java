package sluice.smtp;

/** A mailbox of an address header field with its display name (null when none), as in {@code Alice <alice@example.test>}. */
public record NamedMailbox(String name, Mailbox mailbox) {}
