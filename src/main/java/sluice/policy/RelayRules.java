package sluice.policy;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import sluice.config.Cidr;
import sluice.smtp.Mailbox;
import sluice.smtp.Replies;
import sluice.smtp.Reply;

/**
 * Who may send mail where (no open relay). A recipient is accepted when it is in a local domain
 * (and its local part cannot route elsewhere), or when the client is trusted or authenticated.
 */
public final class RelayRules {
    private final Set<String> localDomains;
    private final List<Cidr> trustedNetworks;

    public RelayRules(List<String> localDomains, List<Cidr> trustedNetworks) {
        this.localDomains = localDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        this.trustedNetworks = List.copyOf(trustedNetworks);
    }

    public boolean isTrusted(InetAddress client) {
        for (Cidr c : trustedNetworks) if (c.contains(client)) return true;
        return false;
    }

    public boolean isLocal(Mailbox rcpt) {
        return !rcpt.isAddressLiteral() && localDomains.contains(rcpt.domainLower());
    }

    /** Null to accept, else the refusal. */
    public Reply check(Mailbox rcpt, boolean trustedOrAuthenticated) {
        if (trustedOrAuthenticated) return null;
        // user%elsewhere@local, elsewhere!user@local and "user@elsewhere"@local are not local mailboxes:
        // a downstream MTA could route them out, so an untrusted client may not use them.
        if (isLocal(rcpt) && !rcpt.hasRoutingCharacters()) return null;
        return Replies.RELAY_DENIED;
    }
}
