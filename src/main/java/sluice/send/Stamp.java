package sluice.send;

import java.time.ZonedDateTime;

/** What the composer needs from outside: the Message-ID to give, the Date, and a MIME boundary. */
record Stamp(String messageId, ZonedDateTime date, String boundary) {}
