package sluice.smtp;

/** One client command, parsed. Dispatch is a switch over this sealed type. */
public sealed interface Command {
    record Helo(String domain) implements Command {}

    record Ehlo(String domain) implements Command {}

    /** @param sender null for the null reverse path {@code <>} */
    record Mail(Mailbox sender, MailParameters parameters) implements Command {}

    record Rcpt(Mailbox recipient, RcptParameters parameters) implements Command {}

    record Data() implements Command {}

    record Bdat(long size, boolean last) implements Command {}

    record Rset() implements Command {}

    record Noop() implements Command {}

    record Quit() implements Command {}

    record Help() implements Command {}

    record Vrfy(String argument) implements Command {}

    record StartTls() implements Command {}

    /** @param initialResponse base64 text after the mechanism, or null */
    record Auth(String mechanism, String initialResponse) implements Command {}

    /** A line that is not a valid command; {@code reply} says why. */
    record Invalid(Reply reply) implements Command {}
}
