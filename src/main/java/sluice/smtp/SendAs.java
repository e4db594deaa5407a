package sluice.smtp;

/**
 * The verdict of may-send-as on a whole message: its envelope sender and every From, Sender, Resent-From and
 * Resent-Sender address ({@link Originators}). SMTP submission, the send API and trusted relays all get one, and
 * the DKIM signer signs only for the domain an {@link Allowed} names.
 */
public sealed interface SendAs {
    /** The SMTP reply refusing the message, or null when it is allowed. */
    default Reply refusal() {
        return switch (this) {
            case Allowed a -> null;
            case Refused r -> r.reply();
            case Unreadable u -> u.reply();
            case Unavailable u -> u.reply();
        };
    }

    /** The message may go; {@code signingDomain} is the author domain to DKIM-sign for, or null to sign for none. */
    record Allowed(String signingDomain) implements SendAs {}

    /** {@code user} may not use {@code address}, found in {@code field} ("From", "Sender", …, or "envelope sender"). */
    record Refused(String user, String address, String field) implements SendAs {
        public Reply reply() {
            return Reply.of(550, "5.7.1", "Sender address not owned by the authenticated user: " + address + " (" + field + ")");
        }
    }

    /** An originator field could not be read, so it cannot be checked: {@code problem} says which and why. */
    record Unreadable(String problem) implements SendAs {
        public Reply reply() {
            return Reply.of(550, "5.6.0", "Message refused: " + problem);
        }
    }

    /** The users could not be read just now (a damaged users file): try again later. */
    record Unavailable() implements SendAs {
        public Reply reply() {
            return Reply.of(451, "4.3.0", "Sender addresses cannot be checked right now; try again later");
        }
    }
}
