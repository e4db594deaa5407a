package sluice.auth;

import java.net.InetAddress;
import java.time.Clock;
import sluice.config.AuthConfig;

/** Counts AUTH failures per client IP; locks an IP out for a cool-down after too many. */
public final class Lockout {

    public Lockout(AuthConfig config, Clock clock) {
        throw new IllegalStateException("auth: stub");
    }

    public boolean isLockedOut(InetAddress client) {
        throw new IllegalStateException("auth: stub");
    }

    public void recordFailure(InetAddress client) {
        throw new IllegalStateException("auth: stub");
    }

    public void recordSuccess(InetAddress client) {
        throw new IllegalStateException("auth: stub");
    }
}
