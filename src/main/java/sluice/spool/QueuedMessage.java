package sluice.spool;

/** A message as the spool holds it (without its data). */
public record QueuedMessage(String id, Envelope envelope, QueueState state) {}
