package sluice.smtp;

/**
 * What a session asks the rest of the server, per connection. Implementations may block (a password
 * hash, a deliberate delay after a failed AUTH): sessions run on virtual threads.
 */
public interface SessionPolicy {
    /** Whether this client is locked out of AUTH for now. */
    boolean authLockedOut();

    /** Checks credentials; records failures for lockout and delays failed attempts. */
    AuthResult authenticate(String user, byte[] password);

    /** Whether an authenticated user may use this envelope sender (null = the null sender). */
    boolean maySendAs(String user, Mailbox sender);

    /**
     * May-send-as on the whole message once its data is in: the envelope sender and every originator address for an
     * authenticated user; for a client without a user, whether it is signed and for which domain.
     */
    SendAs checkOriginators(String authUser, Mailbox sender, Originators originators);

    /** Null to accept the recipient, or the refusal (relay denied, unknown user, …). */
    Reply checkRecipient(Mailbox recipient, Mailbox sender, String authUser);

    /** False when there is no room to store a message (disk reserve). */
    boolean hasStorage();

    /**
     * Asked last at MAIL, when everything else accepted it: null when this client (and user, when authenticated)
     * may start another message now, which is then counted; else the refusal (a rate limit).
     */
    Reply startMessage(String authUser);
}
