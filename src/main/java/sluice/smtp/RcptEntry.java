package sluice.smtp;

/** An accepted recipient with its DSN parameters. */
public record RcptEntry(Mailbox mailbox, RcptParameters parameters) {}
