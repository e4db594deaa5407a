package sluice.auth;

import sluice.smtp.Mailbox;
import sluice.smtp.Originators;
import sluice.smtp.SendAs;

/**
 * May-send-as applied to a message, the one implementation every door uses (SMTP submission after DATA, the send
 * API's JSON and raw bodies): the envelope sender and every From, Sender, Resent-From and Resent-Sender address must
 * match the user's patterns, and the message is DKIM-signed for the first From address's domain, which has just
 * passed. The null sender is allowed, as Postfix's {@code reject_sender_login_mismatch} allows it: the From check
 * still applies, so a bounce or notification cannot claim another domain either.
 */
public final class SendAsRule {
    private SendAsRule() {}

    /** The verdict for authenticated user {@code user}; {@code envelopeSender} null for the null sender. */
    public static SendAs check(User user, Mailbox envelopeSender, Originators originators) {
        if (!mayUse(user, envelopeSender)) return new SendAs.Refused(user.name(), envelopeSender.address(), "envelope sender");
        if (originators.problem() != null) return new SendAs.Unreadable(originators.problem());
        for (Originators.Originator o : originators.addresses()) {
            if (!mayUse(user, o.mailbox())) return new SendAs.Refused(user.name(), o.mailbox().address(), o.field());
        }
        return new SendAs.Allowed(originators.authorDomain());
    }

    /** Whether {@code user} may use {@code sender} as the envelope sender (null, the null sender: yes). */
    public static boolean mayUse(User user, Mailbox sender) {
        return sender == null || user.maySendAs(sender.address());
    }

    /**
     * A trusted network relaying without a user may send as anyone (Postfix's {@code mynetworks}); it is signed for
     * its author domain when that could be read, and not signed when it could not.
     */
    public static SendAs trusted(Originators originators) {
        return new SendAs.Allowed(originators.problem() == null ? originators.authorDomain() : null);
    }
}
