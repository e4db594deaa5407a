package sluice.policy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import sluice.auth.Lockout;
import sluice.auth.SendAsRule;
import sluice.auth.User;
import sluice.auth.UserStore;
import sluice.smtp.AuthResult;
import sluice.smtp.Mailbox;
import sluice.smtp.Originators;
import sluice.smtp.Replies;
import sluice.smtp.Reply;
import sluice.smtp.SendAs;
import sluice.smtp.SessionPolicy;

/** The answers one connection's session gets: relay rules, credentials, lockout, storage. */
public final class ClientPolicy implements SessionPolicy {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ClientPolicy.class);
    private final InetAddress client;
    private final boolean trusted;
    private final RelayRules relay;
    private final UserStore users;
    private final Lockout lockout;
    private final Duration failureDelay;
    private final BooleanSupplier storage;
    private final Consumer<AuthResult> authResults;
    private SuppressionList suppressions;
    private RateLimits rates;

    /** {@code authResults} hears the result of every AUTH attempt (for metrics); it must be quick. */
    public ClientPolicy(InetAddress client, RelayRules relay, UserStore users, Lockout lockout, Duration failureDelay,
                        BooleanSupplier storage, Consumer<AuthResult> authResults) {
        this.client = client;
        this.trusted = relay.isTrusted(client);
        this.relay = relay;
        this.users = users;
        this.lockout = lockout;
        this.failureDelay = failureDelay;
        this.storage = storage;
        this.authResults = authResults;
    }

    /** Count messages against these limits (null, the default: no limits). */
    public ClientPolicy limitedBy(RateLimits rates) {
        this.rates = rates;
        return this;
    }

    /** Refuse recipients on this suppression list at RCPT (550 5.7.1); null (the default) checks none. */
    public ClientPolicy refusing(SuppressionList list) {
        this.suppressions = list;
        return this;
    }

    @Override
    public Reply startMessage(String authUser) {
        if (rates == null) return null;
        return switch (rates.message(client, trusted, authUser)) {
            case ALLOWED -> null;
            case CLIENT_OVER -> Replies.MESSAGE_RATE_CLIENT;
            case USER_OVER -> Replies.MESSAGE_RATE_USER;
        };
    }

    @Override
    public boolean authLockedOut() {
        // Asked once when an AUTH command starts: a locked-out client's AUTH is refused here, so it counts here.
        boolean locked = lockout.isLockedOut(client);
        if (locked) authResults.accept(new AuthResult.LockedOut());
        return locked;
    }

    @Override
    public AuthResult authenticate(String user, byte[] password) {
        AuthResult result = check(user, password);
        authResults.accept(result);
        return result;
    }

    private AuthResult check(String user, byte[] password) {
        if (lockout.isLockedOut(client)) return new AuthResult.LockedOut();
        Optional<User> found;
        try {
            found = users.authenticate(user, password);
        } catch (IllegalStateException e) {
            log.error("auth: {}", e.getMessage()); // a damaged users.json: a temporary failure, never "no such user"
            return new AuthResult.Unavailable();
        }
        if (found.isPresent()) {
            lockout.recordSuccess(client);
            return new AuthResult.Success(found.get().name());
        }
        lockout.recordFailure(client);
        sleep(failureDelay); // slows guessing; the session's virtual thread parks, no platform thread is held
        return new AuthResult.Failure();
    }

    /**
     * An API key of the HTTP send API, checked like AUTH: refused while the client is locked out, a wrong key counts
     * as a failure (and waits {@code failureDelay}), and every result is reported.
     */
    public AuthResult authenticateKey(String key) {
        AuthResult result = checkKey(key);
        authResults.accept(result);
        return result;
    }

    private AuthResult checkKey(String key) {
        if (lockout.isLockedOut(client)) return new AuthResult.LockedOut();
        Optional<User> found;
        try {
            found = users.authenticateKey(key);
        } catch (IllegalStateException e) {
            log.error("auth: {}", e.getMessage());
            return new AuthResult.Unavailable();
        }
        if (found.isPresent()) {
            lockout.recordSuccess(client);
            return new AuthResult.Success(found.get().name());
        }
        lockout.recordFailure(client);
        sleep(failureDelay);
        return new AuthResult.Failure();
    }

    @Override
    public boolean maySendAs(String user, Mailbox sender) {
        if (sender == null) return true; // the null sender (bounces, notifications)
        try {
            return users.find(user).map(u -> SendAsRule.mayUse(u, sender)).orElse(false);
        } catch (IllegalStateException e) {
            log.error("auth: {}", e.getMessage());
            return false;
        }
    }

    @Override
    public SendAs checkOriginators(String user, Mailbox sender, Originators originators) {
        if (user == null) return trusted ? SendAsRule.trusted(originators) : new SendAs.Allowed(null);
        try {
            // A user removed since AUTH may send as nobody.
            User u = users.find(user).orElseGet(() -> new User(user, java.util.List.of()));
            return SendAsRule.check(u, sender, originators);
        } catch (IllegalStateException e) {
            log.error("auth: {}", e.getMessage());
            return new SendAs.Unavailable();
        }
    }

    @Override
    public Reply checkRecipient(Mailbox recipient, Mailbox sender, String authUser) {
        Reply refusal = relay.check(recipient, trusted || authUser != null);
        if (refusal != null || suppressions == null || relay.isLocal(recipient)) return refusal;
        SuppressionList.Entry e = suppressions.find(sender == null ? null : sender.domainLower(), recipient.address());
        return e == null ? null : Reply.of(550, "5.7.1", "Recipient address suppressed: " + e.reason()
                + " (remove with: sluice suppression remove " + recipient.address() + ")");
    }

    @Override
    public boolean hasStorage() {
        return storage.getAsBoolean();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
